// One guacd simulator as its own process for the load script: every session replays the native
// VNC recording at recorded pace, in a loop. Prints "listening on host:port".
import { startGuacdSimulator } from "@guacstream/guacd-sim/node";

const sim = await startGuacdSimulator({
  resolveSession: () => ({ recording: "native/vnc-native", pace: "realtime", end: "loop" }),
  syncTimeoutMs: 120_000,
});
console.log(`listening on ${sim.host}:${sim.port}`);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
