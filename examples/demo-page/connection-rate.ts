// New TCP connections per peer address, checked as each is accepted and before it costs anything
// more: a peer over its rate has the connection closed at once. Bad tokens and refused tunnels
// are answered cheaply, but each still costs a request's parsing and, on Deno, a relayed
// connection whose garbage grows the heap by tens of MiB at a thousand refusals a second. Used by
// both example brokers.

/** Options of {@link ConnectionRate}. */
export interface ConnectionRateOptions {
  /** New connections a second one address may open, refilled evenly. */
  readonly perSecond: number;
  /** Connections one address may open at once after a quiet spell. @default {2 * perSecond} */
  readonly burst?: number;
  /**
   * Addresses tracked at once: past it, addresses whose bucket is full are forgotten, and if
   * none is, a new address is refused, so a spray of addresses cannot grow the table.
   * @default {100000}
   */
  readonly maxAddresses?: number;
  /** The clock, in milliseconds (tests). @default {performance.now} */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per peer address for new connections. */
export class ConnectionRate {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: ConnectionRateOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) {
      throw new RangeError("Cannot create connection rate: perSecond must be above 0");
    }
    this.#perMs = options.perSecond / 1000;
    this.#burst = Math.max(1, options.burst ?? 2 * options.perSecond);
    this.#maxAddresses = options.maxAddresses ?? 100_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Counts a new connection from `address`; `false` if the address is over its rate. */
  take(address: string): boolean {
    const now = this.#now();
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxAddresses) this.#sweep(now);
      if (this.#buckets.size >= this.#maxAddresses) return false;
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(address, bucket);
    }
    this.#refill(bucket, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(
      this.#burst,
      bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs,
    );
    bucket.at = now;
  }

  /** Forgets addresses with a full bucket: they are as if never seen. */
  #sweep(now: number): void {
    for (const [address, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= this.#burst) this.#buckets.delete(address);
    }
  }
}
