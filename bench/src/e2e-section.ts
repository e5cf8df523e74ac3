import { connect as tcpConnect } from "node:net";
import {
  InstructionDecoder,
  InstructionDecoderStream,
  InstructionFramer,
  InstructionFrameStream,
} from "@guacstream/codec";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import { do_not_optimize } from "mitata";
import { corpusDir } from "./corpus.ts";
import { fmt, ratio, table } from "./format.ts";
import type { ChartGroup, Section, SectionContext, SectionResult } from "./section.ts";

const RECORDING = "vnc-desktop";

/** The recorded client's handshake: its bytes from `select` through `connect`. */
function handshakeOf(client: Uint8Array): Uint8Array {
  const opcodes: string[] = [];
  const ends: number[] = [];
  const decoder = new InstructionDecoder((i) => opcodes.push(i.opcode));
  const framer = new InstructionFramer((_bytes, _start, end) => ends.push(end));
  decoder.push(client);
  framer.push(client);
  const at = opcodes.indexOf("connect");
  if (at < 0 || ends[at] === undefined)
    throw new Error("Cannot bench: no connect in the recording");
  return client.slice(0, ends[at]);
}

type Mode = "socket" | "transport" | "transport+frame" | "transport+decode";
const MODES: readonly Mode[] = ["socket", "transport", "transport+frame", "transport+decode"];

interface SessionCount {
  bytes: number;
  instructions: number;
}

/** One client session: handshake, then read until the simulator closes after `disconnect`. */
async function session(mode: Mode, port: number, handshake: Uint8Array): Promise<SessionCount> {
  if (mode === "socket") {
    // The floor: a bare node:net socket that only counts bytes.
    return new Promise((resolve, reject) => {
      let bytes = 0;
      const socket = tcpConnect({ host: "127.0.0.1", port, noDelay: true }, () => {
        socket.write(handshake);
      });
      socket.on("data", (data: Buffer) => {
        bytes += data.length;
      });
      socket.on("error", reject);
      socket.on("end", () => socket.end());
      socket.on("close", () => resolve({ bytes, instructions: Number.NaN }));
    });
  }
  const conn = await connect({ host: "127.0.0.1", port });
  const writer = conn.writable.getWriter();
  await writer.write(handshake);
  writer.releaseLock();
  const count: SessionCount = { bytes: 0, instructions: 0 };
  let reader: ReadableStreamDefaultReader<unknown>;
  if (mode === "transport") reader = conn.readable.getReader();
  else if (mode === "transport+frame") {
    reader = conn.readable.pipeThrough(new InstructionFrameStream()).getReader();
  } else reader = conn.readable.pipeThrough(new InstructionDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (mode !== "transport") count.instructions++;
    do_not_optimize(value);
  }
  if (mode === "transport") count.instructions = Number.NaN;
  count.bytes = conn.bytesRead;
  await conn.close();
  return count;
}

interface E2eResult {
  mode: Mode;
  concurrency: number;
  medianMs: number;
  mbPerS: number;
  sessionsPerS: number;
  bytesPerSession: number;
  instructionsPerSession: number;
}

/**
 * End to end over loopback: the guacd simulator (in this process) replays the VNC recording as
 * fast as it can to N concurrent clients; each client is a bare socket, the Node transport, the
 * transport + frame stream, or the transport + decoder stream. MB/s counts the bytes all clients
 * received / wall time. The simulator shares the CPU with the clients, so this is a lower bound on
 * what a client gets from a separate guacd.
 */
export const e2eSection: Section = {
  name: "e2e",
  title: `End to end: sessions over loopback against the guacd simulator (${RECORDING}, fast pace)`,
  async run(ctx: SectionContext): Promise<SectionResult> {
    const corpus = await loadCorpus(corpusDir());
    const client = corpus.clientRecordings[RECORDING];
    if (client === undefined) throw new Error(`Cannot bench: no ${RECORDING}.c2s.guac`);
    const handshake = handshakeOf(client);
    const sim = await startGuacdSimulator({
      corpus,
      syncTimeoutMs: 120_000,
      resolveSession: () => ({ recording: RECORDING, pace: "fast", end: "disconnect" }),
    });
    const results: E2eResult[] = [];
    const levels = ctx.quick ? [1, 4] : [1, 10, 100];
    const runs = ctx.quick ? 3 : 7;
    try {
      for (const concurrency of levels) {
        for (const mode of MODES) {
          const once = async (): Promise<{ ms: number; counts: SessionCount[] }> => {
            const start = performance.now();
            const counts = await Promise.all(
              Array.from({ length: concurrency }, () => session(mode, sim.port, handshake)),
            );
            return { ms: performance.now() - start, counts };
          };
          await once(); // warm-up
          const times: number[] = [];
          let last: SessionCount[] = [];
          for (let r = 0; r < runs; r++) {
            const { ms, counts } = await once();
            times.push(ms);
            last = counts;
          }
          times.sort((a, b) => a - b);
          const medianMs = times[times.length >> 1]!;
          const bytes = last.reduce((sum, c) => sum + c.bytes, 0);
          results.push({
            mode,
            concurrency,
            medianMs,
            mbPerS: bytes / 1e6 / (medianMs / 1e3),
            sessionsPerS: concurrency / (medianMs / 1e3),
            bytesPerSession: last[0]?.bytes ?? 0,
            instructionsPerSession: last[0]?.instructions ?? Number.NaN,
          });
        }
      }
    } finally {
      await sim.close();
    }
    const chart: ChartGroup[] = [];
    for (const concurrency of levels) {
      const rows = results.filter((r) => r.concurrency === concurrency);
      const floor = rows.find((r) => r.mode === "socket");
      ctx.log();
      ctx.log(`## concurrency ${concurrency} (ratio: MB/s / bare socket's MB/s)`);
      ctx.log(
        table(
          [
            "client",
            "MB/s",
            "sessions/s",
            "median ms",
            "bytes/session",
            "instr/session",
            "vs socket",
          ],
          rows.map((r) => [
            r.mode,
            fmt(r.mbPerS),
            fmt(r.sessionsPerS, 2),
            r.medianMs.toFixed(1),
            r.bytesPerSession.toLocaleString("en-US"),
            Number.isFinite(r.instructionsPerSession) ? String(r.instructionsPerSession) : "-",
            ratio(floor === undefined ? null : r.mbPerS / floor.mbPerS),
          ]),
        ),
      );
      chart.push({
        title: `e2e ${RECORDING}, concurrency ${concurrency} (vs bare socket)`,
        bars: rows.map((r) => ({ label: r.mode, value: floor ? r.mbPerS / floor.mbPerS : 0 })),
      });
    }
    return { data: { recording: RECORDING, results }, chart, targets: [] };
  },
};
