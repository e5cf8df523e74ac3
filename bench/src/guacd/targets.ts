/**
 * What the guacd section connects to: one or more named connections through a guacd.
 *
 * - `--targets FILE`: a JSON list of `{ name, host, port, protocol, parameters }`;
 * - else `GUACD_HOST` (+ `GUACD_PORT`, `GUACD_PROTOCOL`, `GUACD_PARAMS`): one target;
 * - else the bench's own simulator in its guacd-like mode (a child process): a VNC desktop and an
 *   SSH terminal, paced by their recordings, with a session cap (`--sim-cap`, default 12).
 */
import { readFileSync } from "node:fs";

/** One connection to bench through a guacd. */
export interface GuacdTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Thrown for a targets file or environment the bench cannot use. */
export class TargetsError extends Error {
  readonly code = "bad-targets";
  override readonly name = "TargetsError";
}

/** Parses and checks a targets list (the `--targets` file's content). */
export function parseTargets(text: string, source: string): GuacdTarget[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new TargetsError(`Cannot read targets from ${source}: ${(error as Error).message}`);
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new TargetsError(`Cannot read targets from ${source}: expected a non-empty JSON list`);
  }
  return list.map((item: unknown, k) => {
    const t = item as Record<string, unknown>;
    const where = `${source} [${k}]`;
    if (typeof t !== "object" || t === null)
      throw new TargetsError(`Cannot use ${where}: not an object`);
    const port = Number(t.port ?? 4822);
    if (typeof t.host !== "string" || t.host === "") {
      throw new TargetsError(`Cannot use ${where}: "host" must be a string`);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TargetsError(`Cannot use ${where}: "port" must be a TCP port`);
    }
    if (typeof t.protocol !== "string" || t.protocol === "") {
      throw new TargetsError(`Cannot use ${where}: "protocol" must be a string`);
    }
    const parameters = (t.parameters ?? {}) as Record<string, unknown>;
    if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
      throw new TargetsError(`Cannot use ${where}: "parameters" must be an object`);
    }
    return {
      name: typeof t.name === "string" && t.name !== "" ? t.name : `${t.protocol}-${k + 1}`,
      host: t.host,
      port,
      protocol: t.protocol,
      parameters: Object.fromEntries(Object.entries(parameters).map(([n, v]) => [n, String(v)])),
    };
  });
}

/** The targets named by `--targets FILE`, or by the `GUACD_*` environment; undefined: neither. */
export function configuredTargets(file: string | undefined): GuacdTarget[] | undefined {
  if (file !== undefined) return parseTargets(readFileSync(file, "utf8"), file);
  const host = process.env.GUACD_HOST;
  if (host === undefined || host === "") return undefined;
  const protocol = process.env.GUACD_PROTOCOL ?? "vnc";
  const params = process.env.GUACD_PARAMS ?? "{}";
  const [target] = parseTargets(
    JSON.stringify([
      {
        name: protocol,
        host,
        port: Number(process.env.GUACD_PORT ?? 4822),
        protocol,
        parameters: JSON.parse(params),
      },
    ]),
    "GUACD_HOST/GUACD_PORT/GUACD_PROTOCOL/GUACD_PARAMS",
  );
  return [target!];
}

/** The simulator's two guacd-like targets, on `port`. */
export function simulatorTargets(port: number): GuacdTarget[] {
  return [
    {
      name: "vnc (simulated)",
      host: "127.0.0.1",
      port,
      protocol: "vnc",
      parameters: { hostname: "desktop", port: "5900" },
    },
    {
      name: "ssh (simulated)",
      host: "127.0.0.1",
      port,
      protocol: "ssh",
      parameters: { hostname: "shell", username: "guac", password: "guac" },
    },
  ];
}
