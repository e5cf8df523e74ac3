import type { GuacdDuplex } from "@guacstream/codec/client";
import { closeQuietly } from "../base/_close-quietly.ts";
import { type EndpointEntry, stateOf } from "./_endpoint-entry.ts";
import type { EndpointState, GuacdPoolOptions, HealthCheckOptions } from "./pool-options.ts";

/** Called when a check or a failure may have changed an endpoint's state. */
export type StateChanged = (entry: EndpointEntry, from: EndpointState, error?: Error) => void;

/**
 * The health of a pool's endpoints: a round of checks (a connect, and the probe if any) every
 * `interval`, and the fall/rise counting that session connects feed too. `false` options count
 * failures but never take an endpoint down.
 */
export class HealthChecks {
  readonly #entries: readonly EndpointEntry[];
  readonly #connect: GuacdPoolOptions["connect"];
  readonly #options: HealthCheckOptions | false;
  readonly #changed: StateChanged;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: AbortController | undefined;
  #running = false;

  constructor(
    entries: readonly EndpointEntry[],
    connect: GuacdPoolOptions["connect"],
    options: HealthCheckOptions | false,
    changed: StateChanged,
  ) {
    this.#entries = entries;
    this.#connect = connect;
    this.#options = options;
    this.#changed = changed;
  }

  /** Runs one round of checks now, on every endpoint, and waits for it. */
  async check(): Promise<void> {
    if (this.#options === false) return;
    const options = this.#options;
    const round = new AbortController();
    this.#round = round;
    await Promise.all(this.#entries.map((entry) => this.#checkOne(entry, options, round)));
    if (this.#round === round) this.#round = undefined;
  }

  /** Starts the periodic rounds (a first one at once). Idempotent. */
  start(): void {
    if (this.#running || this.#options === false) return;
    this.#running = true;
    const interval = this.#options.interval ?? 5000;
    const round = (): void => {
      void this.check().then(() => {
        if (!this.#running) return;
        this.#timer = setTimeout(round, interval);
        // A pool must not keep a Node process alive by itself.
        (this.#timer as { unref?: () => void }).unref?.();
      });
    };
    round();
  }

  /** Stops the rounds, aborting the one under way. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#round?.abort(new Error("The pool closed"));
  }

  /** A connect to the endpoint worked: its run of failures ends. */
  connected(entry: EndpointEntry): void {
    entry.failures = 0;
    entry.lastError = undefined;
  }

  /** A connect or check failed: `fall` in a row take the endpoint down. */
  failed(entry: EndpointEntry, error: unknown): void {
    entry.failures++;
    entry.successes = 0;
    entry.lastError = error instanceof Error ? error.message : String(error);
    if (this.#options === false || !entry.healthy) return;
    if (entry.failures >= (this.#options.fall ?? 2)) {
      const from = stateOf(entry);
      entry.healthy = false;
      this.#changed(entry, from, error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #checkOne(
    entry: EndpointEntry,
    options: HealthCheckOptions,
    round: AbortController,
  ): Promise<void> {
    const timeout = options.timeout ?? 2000;
    const signal = AbortSignal.any([round.signal, AbortSignal.timeout(timeout)]);
    let duplex: GuacdDuplex | undefined;
    try {
      duplex = await this.#connect(entry.endpoint, { signal, timeout });
      if (options.probe !== undefined) await raceAbort(options.probe(duplex, signal), signal);
    } catch (error) {
      if (!round.signal.aborted) this.failed(entry, error);
      return;
    } finally {
      if (duplex !== undefined) void closeQuietly(duplex);
    }
    this.connected(entry);
    entry.successes++;
    if (!entry.healthy && entry.successes >= (options.rise ?? 2)) {
      const from = stateOf(entry);
      entry.healthy = true;
      this.#changed(entry, from);
    }
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // A probe that ignores its signal still ends the check on time.
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
