import { PoolError } from "./pool-error.ts";
import type { GuacdProbe } from "./pool-options.ts";

const ARGS = new TextEncoder().encode("4.args,");

/**
 * A health probe for {@link HealthCheckOptions.probe}: sends `select` for `protocol` and expects
 * guacd's `args` reply, which proves guacd accepts connections and has that protocol's plugin
 * (a TCP connect alone passes a guacd that is stuck or lacks the plugin; a guacd without the
 * plugin answers nothing, so the check times out). guacd 1.6 forks a child process for each
 * select and keeps it until its own handshake timeout, about 15 s after the probe hangs up: with
 * this probe use an interval of 30 s or more.
 *
 * @example Against a fake guacd that answers `args`
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectProbe } from "@guacstream/tunnel";
 *
 * const sent: string[] = [];
 * const duplex = {
 *   readable: ReadableStream.from([new TextEncoder().encode("4.args,13.VERSION_1_5_0,8.hostname;")]),
 *   writable: new WritableStream<Uint8Array>({ write: (chunk) => void sent.push(new TextDecoder().decode(chunk)) }),
 * };
 * await selectProbe("vnc")(duplex, new AbortController().signal);
 * assert.deepEqual(sent, ["6.select,3.vnc;"]);
 *
 * const refusing = { readable: ReadableStream.from([new TextEncoder().encode("5.error,3.bad,3.519;")]), writable: new WritableStream<Uint8Array>() };
 * await assert.rejects(selectProbe("vnc")(refusing, new AbortController().signal), { code: "PROBE_FAILED" });
 * ```
 */
export function selectProbe(protocol: string): GuacdProbe {
  if (!/^[a-z0-9-]{1,32}$/.test(protocol)) {
    throw new RangeError(`Cannot make probe: ${JSON.stringify(protocol)} is not a protocol name`);
  }
  const select = new TextEncoder().encode(`6.select,${protocol.length}.${protocol};`);
  return async (duplex, signal) => {
    const writer = duplex.writable.getWriter();
    try {
      await writer.write(select);
    } finally {
      writer.releaseLock();
    }
    const reader = duplex.readable.getReader();
    const cancel = (): void => void reader.cancel(signal.reason).catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    try {
      // Only the opcode matters: compare the first bytes with `4.args,`.
      let seen = 0;
      while (seen < ARGS.length) {
        const { value, done } = await reader.read();
        if (done) break;
        for (let i = 0; i < value.length && seen < ARGS.length; i++, seen++) {
          if (value[i] !== ARGS[seen]) {
            throw new PoolError("PROBE_FAILED", `Cannot probe guacd: it refused ${protocol}`);
          }
        }
      }
      if (seen < ARGS.length) {
        throw new PoolError("PROBE_FAILED", `Cannot probe guacd: it closed before args`);
      }
    } finally {
      signal.removeEventListener("abort", cancel);
      reader.releaseLock();
    }
  };
}
