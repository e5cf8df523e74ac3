import { TunnelError } from "../base/errors.ts";

/**
 * Options of {@link TunnelLimiter}.
 */
export interface TunnelLimiterOptions {
  /** Tunnels open at once on this broker. @default {1000} */
  readonly maxTunnels?: number;
  /** Tunnels one client may hold open at once. @default {16} */
  readonly maxTunnelsPerClient?: number;
  /** New tunnels one client may open per minute (a bucket refilled evenly). @default {60} */
  readonly newTunnelsPerMinute?: number;
  /**
   * Clients tracked at once (those with open tunnels or a bucket not yet full): past it, new
   * clients are refused, so a spray of addresses cannot grow the table without end.
   * @default {100000}
   */
  readonly maxClients?: number;
  /**
   * Milliseconds a client may open no tunnel after one of its tunnels was cut for abuse
   * (`lease.release("abuse")`): otherwise each cut costs guacd a new session, a process and a
   * connection to the desktop, as fast as the client reconnects. 0 turns it off.
   * @default {10000}
   */
  readonly abuseCooldown?: number;
  /** The clock, in milliseconds (tests). @default {Date.now} */
  readonly now?: () => number;
}

/**
 * One admitted tunnel: call `release` once when it ends (a second call does nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelLimiter } from "@guacstream/tunnel";
 *
 * const limiter = new TunnelLimiter();
 * const lease = limiter.admit("203.0.113.7");
 * lease.release();
 * lease.release();
 * assert.equal(limiter.active, 0);
 * ```
 */
export interface TunnelLease {
  /**
   * Gives the tunnel's place back; calling it again does nothing. `"abuse"`: the tunnel was cut
   * because its browser broke a bound ({@link TunnelError.isAbuse}, or a frame bound at the
   * WebSocket layer), and its client opens nothing during the limiter's `abuseCooldown`.
   */
  release(why?: "abuse"): void;
}

interface ClientState {
  active: number;
  tokens: number;
  at: number;
  /** No new tunnel before this time (an abuse cooldown); 0 when none. */
  blockedUntil: number;
}

/**
 * Caps on tunnels, checked before a tunnel costs anything: all tunnels on the broker, tunnels
 * per client, and new tunnels per client per minute. A client is whatever key the broker
 * chooses: the peer address by default, or a claim of the token (a user name). Over a cap,
 * {@link TunnelLimiter.admit} throws {@link TunnelError} `TOO_MANY_TUNNELS` (1008, `797 Too
 * many tunnels`), as it does for a client in its abuse cooldown. {@link TunnelLimiter.drain}
 * stops new tunnels and resolves once the open ones have ended (`DRAINING`, 1008 / `513 Server
 * draining`, for any tunnel asked for meanwhile).
 *
 * @example Two tunnels per client
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelLimiter } from "@guacstream/tunnel";
 *
 * const limiter = new TunnelLimiter({ maxTunnelsPerClient: 2 });
 * const a = limiter.admit("alice");
 * limiter.admit("alice");
 * assert.throws(() => limiter.admit("alice"), { code: "TOO_MANY_TUNNELS" });
 * limiter.admit("bob");
 * a.release();
 * limiter.admit("alice");
 * assert.equal(limiter.active, 3);
 * ```
 *
 * @example A client whose tunnel was cut for breaking a bound waits out the cooldown
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelError, TunnelLimiter } from "@guacstream/tunnel";
 *
 * const limiter = new TunnelLimiter({ abuseCooldown: 10_000 });
 * const lease = limiter.admit("198.51.100.4");
 * // What the bridge ended the tunnel with:
 * const cut = new TunnelError("RATE_LIMITED", "Cannot accept message: more than 5000 per second");
 * lease.release(cut.isAbuse ? "abuse" : undefined);
 * assert.throws(() => limiter.admit("198.51.100.4"), { code: "TOO_MANY_TUNNELS" });
 * limiter.admit("203.0.113.9");
 * ```
 */
export class TunnelLimiter {
  readonly #maxTunnels: number;
  readonly #perClient: number;
  readonly #perMinute: number;
  readonly #maxClients: number;
  readonly #abuseCooldown: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, ClientState>();
  #active = 0;
  #draining = false;
  #drained: (() => void)[] = [];

  /** A limiter with the given caps; each is checked to be a positive whole number. */
  constructor(options: TunnelLimiterOptions = {}) {
    this.#maxTunnels = positive(options.maxTunnels ?? 1000, "maxTunnels");
    this.#perClient = positive(options.maxTunnelsPerClient ?? 16, "maxTunnelsPerClient");
    this.#perMinute = positive(options.newTunnelsPerMinute ?? 60, "newTunnelsPerMinute");
    this.#maxClients = positive(options.maxClients ?? 100_000, "maxClients");
    const cooldown = options.abuseCooldown ?? 10_000;
    if (!(cooldown >= 0) || !Number.isFinite(cooldown)) {
      throw new RangeError("Cannot create limiter: abuseCooldown must be 0 or more");
    }
    this.#abuseCooldown = cooldown;
    this.#now = options.now ?? Date.now;
  }

  /** Tunnels admitted and not yet released. */
  get active(): number {
    return this.#active;
  }

  /** Whether {@link TunnelLimiter.drain} was called (and not {@link TunnelLimiter.resume}d). */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Admits one tunnel for `client`, or throws {@link TunnelError} `TOO_MANY_TUNNELS` (a cap) or
   * `DRAINING`. Nothing is counted for a refused tunnel.
   */
  admit(client: string): TunnelLease {
    if (this.#draining) {
      throw new TunnelError("DRAINING", "Cannot open tunnel: the broker is draining");
    }
    if (this.#active >= this.#maxTunnels) {
      throw new TunnelError(
        "TOO_MANY_TUNNELS",
        `Cannot open tunnel: ${this.#maxTunnels} are open on this broker`,
      );
    }
    const now = this.#now();
    let state = this.#clients.get(client);
    if (state === undefined) {
      if (this.#clients.size >= this.#maxClients) this.#sweep(now);
      if (this.#clients.size >= this.#maxClients) {
        throw new TunnelError(
          "TOO_MANY_TUNNELS",
          `Cannot open tunnel: ${this.#maxClients} clients are tracked`,
        );
      }
      state = { active: 0, tokens: this.#perMinute, at: now, blockedUntil: 0 };
      this.#clients.set(client, state);
    }
    this.#refill(state, now);
    if (now < state.blockedUntil) {
      const seconds = Math.ceil((state.blockedUntil - now) / 1000);
      throw new TunnelError(
        "TOO_MANY_TUNNELS",
        `Cannot open tunnel: the client was cut off for abuse, ${seconds} s of cooldown left`,
      );
    }
    if (state.active >= this.#perClient) {
      throw new TunnelError(
        "TOO_MANY_TUNNELS",
        `Cannot open tunnel: the client holds ${this.#perClient} already`,
      );
    }
    if (state.tokens < 1) {
      throw new TunnelError(
        "TOO_MANY_TUNNELS",
        `Cannot open tunnel: the client opened ${this.#perMinute} in the last minute`,
      );
    }
    state.tokens -= 1;
    state.active++;
    this.#active++;
    let released = false;
    return {
      release: (why) => {
        if (released) return;
        released = true;
        if (why === "abuse" && this.#abuseCooldown > 0) {
          state.blockedUntil = this.#now() + this.#abuseCooldown;
        }
        state.active--;
        this.#active--;
        if (this.#active === 0) for (const resolve of this.#drained.splice(0)) resolve();
      },
    };
  }

  /**
   * Stops admitting tunnels (`DRAINING`); the open ones run on. Resolves when none is left.
   */
  drain(): Promise<void> {
    this.#draining = true;
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Admits tunnels again after {@link TunnelLimiter.drain}. */
  resume(): void {
    this.#draining = false;
  }

  #refill(state: ClientState, now: number): void {
    const elapsed = Math.max(0, now - state.at);
    state.tokens = Math.min(this.#perMinute, state.tokens + (elapsed * this.#perMinute) / 60_000);
    state.at = now;
  }

  /** Forgets clients with nothing open, a full bucket and no cooldown: as if never seen. */
  #sweep(now: number): void {
    for (const [client, state] of this.#clients) {
      this.#refill(state, now);
      if (state.active === 0 && state.tokens >= this.#perMinute && now >= state.blockedUntil) {
        this.#clients.delete(client);
      }
    }
  }
}

function positive(value: number, name: string): number {
  if (!(value >= 1) || !Number.isFinite(value)) {
    throw new RangeError(`Cannot create limiter: ${name} must be at least 1`);
  }
  return value;
}
