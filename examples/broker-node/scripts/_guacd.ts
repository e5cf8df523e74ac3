// The flood measurement's guacd, in its own process: the simulator behind the harness's proxy
// (the VNC desktop replayed forever for `loop.sim`), so that the attackers' work in the parent
// never slows what the honest session is sent. Sends `{ host, port }` once listening; "stop" ends it.
import { startCountedGuacd } from "../test/_harness.ts";

const guacd = await startCountedGuacd();
process.on("message", (message) => {
  if (message === "stop") void guacd.close().then(() => process.exit(0));
});
process.send?.({ type: "guacd", host: guacd.host, port: guacd.port });
