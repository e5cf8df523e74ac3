/**
 * The guacd simulator behind every relay of the broker section, in its own process. Plans by the
 * `hostname` parameter: `paced` replays `vnc-desktop-20s` at the recording's own timestamps (a
 * real desktop's pace) in a loop; anything else replays `vnc-desktop` as fast as the socket takes
 * it, in a loop. After `ready`, every write is followed by a `bench-mark` with the write's wall
 * clock (`mark.ts`). Prints `port <n>`; exits when stdin closes.
 *
 * Run (the broker section does): node --import tsx --conditions=@guacstream/source sim-child.ts
 */
import { createServer, type Socket } from "node:net";
import { GuacdSimulator } from "@guacstream/guacd-sim";
import { loadCorpus, socketToDuplex } from "@guacstream/guacd-sim/node";
import { corpusDir } from "../harness/corpus.ts";
import { markBytes, PACED_HOSTNAME } from "./mark.ts";

const READY = new TextEncoder().encode("5.ready,");

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first); at !== -1; at = haystack.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

/** The socket's writable, with a mark appended to every write after `ready`. */
function marking(writable: WritableStream<Uint8Array>): WritableStream<Uint8Array> {
  const writer = writable.getWriter();
  let ready = false;
  return new WritableStream<Uint8Array>({
    write(chunk) {
      if (!ready) {
        ready = contains(chunk, READY);
        return writer.write(chunk);
      }
      const mark = markBytes();
      const out = new Uint8Array(chunk.length + mark.length);
      out.set(chunk);
      out.set(mark, chunk.length);
      return writer.write(out);
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
}

const HOUR = 3_600_000;
const simulator = new GuacdSimulator({
  corpus: await loadCorpus(corpusDir()),
  // A relay that falls behind is measured, not cut off: no client timeout within a run.
  syncTimeoutMs: HOUR,
  resolveSession: (ctx) =>
    ctx.params.hostname === PACED_HOSTNAME
      ? { recording: "vnc-desktop-20s", pace: "realtime", end: "loop" }
      : { recording: "vnc-desktop", pace: "fast", end: "loop" },
});
const sockets = new Set<Socket>();
const server = createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  socket.once("close", () => sockets.delete(socket));
  socket.on("error", () => {});
  const duplex = socketToDuplex(socket);
  simulator
    .serve({ readable: duplex.readable, writable: marking(duplex.writable) })
    .catch(() => {})
    .finally(() => socket.destroy());
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `port ${typeof address === "object" && address !== null ? address.port : 0}\n`,
  );
});
process.stdin.resume();
process.stdin.on("end", () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
});
