// Scale-out for the Node example broker: several guacd (GUACD_ENDPOINTS) in a GuacdPool, the
// replay guard and the session registry in Redis/Valkey (REDIS_URL) or in memory, and the
// metrics served at /metrics.
import { connect } from "@guacstream/transport-node";
import {
  type GuacdEndpoint,
  GuacdPool,
  type HealthCheckOptions,
  MemorySessionRegistry,
  ReplayGuard,
  SessionDirectory,
  type SessionRegistry,
  TunnelMetrics,
} from "@guacstream/tunnel";
import {
  connectRedis,
  type RedisConnection,
  RedisReplayStore,
  RedisSessionRegistry,
} from "@guacstream/tunnel-redis";

/** Options of {@link setUpScaleOut}. */
export interface ScaleOutOptions {
  /** Several guacd; without them the broker uses its one guacd, as before. */
  endpoints?: readonly GuacdEndpoint[];
  /** Health checks of the endpoints. @default {{ interval: 5000 }} */
  health?: HealthCheckOptions;
  /** Shared state for several brokers; without it, memory (one process). */
  redisUrl?: string;
  /** This broker's name in the registry. @default {crypto.randomUUID()} */
  brokerId?: string;
  /** Where to report store and pool trouble (a log line). */
  log?: (line: string) => void;
}

/** What the broker wires into acceptTunnel, and stops on close. */
export interface ScaleOut {
  readonly pool: GuacdPool | undefined;
  readonly replay: ReplayGuard;
  readonly sessions: SessionDirectory;
  readonly metrics: TunnelMetrics;
  readonly redis: RedisConnection | undefined;
  close(): Promise<void>;
}

export function setUpScaleOut(options: ScaleOutOptions): ScaleOut {
  const log = options.log ?? (() => {});
  const redis =
    options.redisUrl === undefined
      ? undefined
      : connectRedis(options.redisUrl, { onError: (e) => log(`redis: ${e.message}`) });
  const pool =
    options.endpoints === undefined || options.endpoints.length === 0
      ? undefined
      : new GuacdPool({
          endpoints: options.endpoints,
          connect: (endpoint, { signal, timeout }) =>
            connect({ host: endpoint.host, port: endpoint.port, signal, timeout }),
          health: options.health ?? {},
          onStateChange: (c) =>
            log(
              `guacd ${c.endpoint}: ${c.from} -> ${c.to}${c.error ? ` (${c.error.message})` : ""}`,
            ),
        });
  const metrics = new TunnelMetrics(pool === undefined ? {} : { pool });
  const registry: SessionRegistry =
    redis === undefined ? new MemorySessionRegistry() : new RedisSessionRegistry(redis);
  const sessions = new SessionDirectory(registry, {
    ...(options.brokerId === undefined ? {} : { owner: options.brokerId }),
    onError: (e) => log(`session registry: ${e instanceof Error ? e.message : String(e)}`),
    onCall: (operation, seconds, error) => metrics.registryCall(operation, seconds, error),
  });
  const replay =
    redis === undefined
      ? new ReplayGuard()
      : new ReplayGuard({ store: new RedisReplayStore(redis) });
  pool?.start();
  sessions.start();
  return {
    pool,
    replay,
    sessions,
    metrics,
    redis,
    async close() {
      pool?.close();
      await sessions.stop();
      await redis?.close();
    },
  };
}
