import type { TunnelTraffic } from "../bridge/result.ts";

/**
 * Bytes each way over every tunnel, read at scrape time: the open tunnels' live counts plus the
 * final counts of those that ended, so the data path only adds to its own two integers.
 */
export class TrafficTotals {
  readonly #live = new Set<TunnelTraffic>();
  readonly #ended = { toBrowser: 0, toGuacd: 0 };
  readonly #byTunnel = new Map<string, () => void>();

  /** Counts `traffic` until the returned function is called (the tunnel ended; idempotent). */
  track(traffic: TunnelTraffic): () => void {
    this.#live.add(traffic);
    return () => {
      if (!this.#live.delete(traffic)) return;
      this.#ended.toBrowser += traffic.bytesToBrowser;
      this.#ended.toGuacd += traffic.bytesToGuacd;
    };
  }

  /** {@link TrafficTotals.track} under a tunnel's uuid, ended by {@link TrafficTotals.end}. */
  start(uuid: string, traffic: TunnelTraffic): void {
    this.#byTunnel.set(uuid, this.track(traffic));
  }

  /** Ends the tracking started under `uuid`, if any. */
  end(uuid: string): void {
    this.#byTunnel.get(uuid)?.();
    this.#byTunnel.delete(uuid);
  }

  /** The bytes so far, each way. */
  sum(): { toBrowser: number; toGuacd: number } {
    let toBrowser = this.#ended.toBrowser;
    let toGuacd = this.#ended.toGuacd;
    for (const t of this.#live) {
      toBrowser += t.bytesToBrowser;
      toGuacd += t.bytesToGuacd;
    }
    return { toBrowser, toGuacd };
  }
}
