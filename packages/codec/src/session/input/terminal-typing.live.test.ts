// Live: typing into guacd's terminal over telnet (and SSH for the same astral check). Runs when
// GUACD_HOST is set and GUACD_TELNET_PARAMS names a telnet target (JSON, e.g.
// {"hostname":"127.0.0.1","port":"2323","username":"guac","password":"guac"}); guacd logs in with
// `username` and `password`. With guacd on loopback the target is this machine, so what the
// typed command wrote is read from disk here. Prints the keystroke echo: from a key press to the
// `sync` closing the first frame that draws after it.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { sleepReal } from "@guacstream/test-support";
import { describe, expect, test } from "vitest";
import { LIVE_GUACD, liveParams, openLive, pollLive } from "../../_test-utils.ts";
import { KEYSYMS } from "./keysyms.ts";

const telnetParams = liveParams("GUACD_TELNET_PARAMS");
const DRAWING = new Set(["png", "img", "copy", "rect", "cfill", "blob", "jpeg", "transfer"]);

describe.skipIf(telnetParams === undefined || LIVE_GUACD?.onThisMachine !== true)(
  "live guacd over telnet",
  () => {
    test("handshake, login, a typed command's file on disk, astral drop, echo figure", {
      timeout: 90_000,
    }, async () => {
      let drawnSince = false;
      let lastDrawn = Date.now();
      let onFrame: (() => void) | undefined;
      const { client, result } = await openLive("telnet", telnetParams!, {
        onRead: (item) => {
          if (DRAWING.has(item.opcode)) {
            drawnSince = true;
            lastDrawn = Date.now();
          }
          if (item.opcode === "sync" && drawnSince) {
            drawnSince = false;
            onFrame?.();
          }
        },
      });
      const path = `/tmp/guacstream-telnet-${randomBytes(4).toString("hex")}`;
      try {
        expect(result.id).toMatch(/^\$/);
        // guacd logs in with the username and password (keys typed before that would answer
        // the login prompt): the shell's prompt is the last thing drawn, so wait for a quiet
        // screen.
        await pollLive(30_000, () => (Date.now() - lastDrawn > 1500 ? true : undefined));
        const typed = await client.keyboard.type(`echo 'é🌍Ω✓' > ${path}`);
        expect(typed.dropped.map((d) => d.character)).toEqual(["🌍"]);
        await client.keyboard.press(KEYSYMS.Enter);
        const written = await pollLive(15_000, () =>
          existsSync(path) ? readFileSync(path, "utf8") : undefined,
        );
        // guacd's terminal drops the astral character; the others arrive.
        expect(written).toBe("éΩ✓\n");

        // Keystroke echo: a key, then the frame that draws it.
        const samples: number[] = [];
        for (let i = 0; i < 20; i++) {
          await sleepReal(30); // let the last frame settle (guacd is another process)
          drawnSince = false;
          const frame = new Promise<void>((resolve) => {
            onFrame = resolve;
          });
          const start = performance.now();
          await client.keyboard.press(0x61 + (i % 26));
          await frame;
          samples.push(performance.now() - start);
        }
        samples.sort((a, b) => a - b);
        const at = (q: number) =>
          samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
        console.log(
          `telnet keystroke echo over ${samples.length} keys: median ${at(0.5).toFixed(1)} ms, ` +
            `p90 ${at(0.9).toFixed(1)} ms, min ${samples[0]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
        );
        expect(at(0.5)).toBeLessThan(1000);
      } finally {
        await client.close();
        rmSync(path, { force: true });
      }
    });
  },
);
