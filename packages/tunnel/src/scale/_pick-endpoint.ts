import type { EndpointEntry } from "./_endpoint-entry.ts";
import type { EndpointConstraints, PoolStrategy } from "./pool-options.ts";

/**
 * The entry a new connect should try: the one named by `constraints.endpoint` if it is healthy
 * (draining is fine: a join), else the best healthy, non-draining entry carrying the wanted
 * labels that has not been `tried`, by `strategy`. `undefined` when none fits.
 */
export function pickEndpoint(
  entries: readonly EndpointEntry[],
  strategy: PoolStrategy,
  constraints: EndpointConstraints,
  tried: readonly string[],
): EndpointEntry | undefined {
  if (constraints.endpoint !== undefined) {
    const entry = entries.find((e) => e.endpoint.id === constraints.endpoint);
    return entry?.healthy && !tried.includes(entry.endpoint.id) ? entry : undefined;
  }
  const candidates = entries.filter(
    (e) =>
      e.healthy &&
      !e.draining &&
      !tried.includes(e.endpoint.id) &&
      matches(e.endpoint.labels, constraints.labels),
  );
  if (candidates.length === 0) return undefined;
  if (strategy === "weighted-round-robin") {
    let total = 0;
    let best: EndpointEntry | undefined;
    for (const e of candidates) {
      e.current += e.endpoint.weight;
      total += e.endpoint.weight;
      if (best === undefined || e.current > best.current) best = e;
    }
    best!.current -= total;
    return best;
  }
  let best = candidates[0]!;
  for (const e of candidates) {
    if (e.active / e.endpoint.weight < best.active / best.endpoint.weight) best = e;
  }
  return best;
}

function matches(
  labels: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>> | undefined,
): boolean {
  if (wanted === undefined) return true;
  for (const name of Object.keys(wanted)) {
    if (!Object.hasOwn(labels, name) || labels[name] !== wanted[name]) return false;
  }
  return true;
}
