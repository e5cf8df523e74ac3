// The attackers of the flood measurement, in a process of their own, so that their CPU is
// counted apart from the harness's and their scheduling can be set on its own. Tokens are sealed
// here with FLOOD_SECRET for a short SSH session on the simulator (quiet after its first screen,
// so the flood is all an attacker's tunnel costs). Answers `{ phase, url, seconds, from }` with
// `{ type: "result", result }`.
import { importTokenKey, sealToken } from "@guacstream/tunnel";
import { attacksOn, type Phase } from "./_attacks.ts";

const key = await importTokenKey(process.env.FLOOD_SECRET ?? "");
const mint = (): Promise<string> =>
  sealToken(key, { protocol: "ssh", parameters: { hostname: "shell.sim", port: "22" } });
process.on("message", (message: { phase: Phase; url: string; seconds: number; from: string }) => {
  const attack = attacksOn(message.url, mint)[message.phase];
  const until = performance.now() + message.seconds * 1000;
  void (attack?.(until, message.from) ?? Promise.resolve(undefined)).then((result) =>
    process.send?.({ type: "result", result }),
  );
});
process.send?.({ type: "ready" });
