import { createClient } from "@redis/client";
import { RedisStoreError } from "./errors.ts";

/**
 * What the stores need of a Redis client: raw commands. `@redis/client`'s client has it (see
 * {@link connectRedis}), and so can a wrapper around any other client.
 */
export interface RedisCommander {
  /** Sends one command (`["SET", key, value, "NX", "PX", "1000"]`) and resolves with the reply. */
  sendCommand(args: readonly string[]): Promise<unknown>;
}

/**
 * Options of {@link connectRedis}.
 */
export interface ConnectRedisOptions {
  /** Milliseconds for one connect attempt. @default {2000} */
  readonly connectTimeout?: number;
  /** Longest wait between reconnect attempts, in milliseconds. @default {2000} */
  readonly maxReconnectDelay?: number;
  /** Called with each connection error (the client reconnects by itself). */
  readonly onError?: (error: Error) => void;
}

/**
 * A Redis connection for the stores, from {@link connectRedis}.
 */
export interface RedisConnection extends RedisCommander {
  /** Whether the client is connected now (commands fail at once while it is not). */
  readonly ready: boolean;
  /** Closes the connection for good. */
  close(): Promise<void>;
}

/**
 * Connects to Redis or Valkey at `url` (`redis://[user:password@]host:port[/db]`, `rediss://` for
 * TLS) with `@redis/client`, set up for a broker: it returns at once and connects in the
 * background, reconnects forever with backoff, and never queues commands while disconnected, so
 * a store call during an outage fails at once (the replay guard then refuses, fail-closed) instead
 * of waiting for Redis to come back.
 *
 * @example Without a Redis, commands fail at once instead of waiting
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectRedis } from "@guacstream/tunnel-redis";
 *
 * const redis = connectRedis("redis://127.0.0.1:1", { connectTimeout: 200 });
 * try {
 *   assert.equal(redis.ready, false);
 *   await assert.rejects(redis.sendCommand(["PING"]), { code: "UNAVAILABLE" });
 * } finally {
 *   await redis.close();
 * }
 * ```
 */
export function connectRedis(url: string, options: ConnectRedisOptions = {}): RedisConnection {
  const maxDelay = options.maxReconnectDelay ?? 2000;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeout ?? 2000,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 10), maxDelay),
    },
  });
  // An 'error' event without a listener would end the process.
  client.on("error", (error: Error) => options.onError?.(error));
  let closed = false;
  const connecting = client.connect().catch((error: unknown) => {
    if (!closed) options.onError?.(error instanceof Error ? error : new Error(String(error)));
  });
  return {
    get ready() {
      return client.isReady;
    },
    async sendCommand(args) {
      if (!client.isReady) {
        throw new RedisStoreError("UNAVAILABLE", "Cannot reach Redis: not connected");
      }
      try {
        return await client.sendCommand(args);
      } catch (cause) {
        throw new RedisStoreError("UNAVAILABLE", "Cannot reach Redis: the command failed", {
          cause,
        });
      }
    },
    async close() {
      closed = true;
      if (client.isOpen) client.destroy();
      await connecting;
    },
  };
}
