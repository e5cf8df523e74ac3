/** The guacd section's results as report figures and as curves over the ramp's sessions. */
import type { Curve } from "../harness/curve.ts";
import type { Figure } from "../harness/figure.ts";
import type { LevelFigures } from "./ramp.ts";
import { STABLE_MS, SYNC, type TargetResult } from "./result.ts";

/** Per target: handshake, input echo, first frame, fps at one session, capacity (headline: p99s and capacity). */
export function figuresOf(results: readonly TargetResult[]): Figure[] {
  const figures: Figure[] = [];
  for (const r of results) {
    const single = r.ramp?.levels[0];
    const add = (what: string, value: number, unit: string, extra: Partial<Figure> = {}): void => {
      figures.push({
        id: `guacd/${r.target}/${what}`,
        label: `${r.target} ${what}`,
        group: r.target,
        value,
        unit,
        ...extra,
      });
    };
    add("handshake p50", r.handshakes.p50, "ms");
    add("handshake p99", r.handshakes.p99, "ms", { headline: true });
    const kind = r.input?.activity === "keys" ? "key" : "pointer";
    const p = r.pixels;
    if (p !== undefined) {
      const none =
        p.photonMs.count === 0
          ? { note: "no pixel changed where it landed" }
          : p.photonMs.unchanged > 0
            ? { note: `${p.photonMs.unchanged} of ${p.photonMs.sent} changed nothing` }
            : {};
      add(`${kind} to photon p50`, p.photonMs.p50, "ms");
      add(`${kind} to photon p95`, p.photonMs.p95, "ms");
      add(`${kind} to photon p99`, p.photonMs.p99, "ms", { headline: true, ...none });
      add("first screen complete", p.firstScreenMs, "ms", {
        ...(Number.isNaN(p.firstScreenMs) ? { note: `never still for ${STABLE_MS} ms` } : {}),
      });
      add("frames changing pixels", p.changingFps, "fps");
      add("bytes per changed pixel", p.bytesPerChangedPixel, "B/px");
      add("lossy image bytes", p.lossyShare * 100, "%");
    }
    if (r.input !== undefined) {
      const none = r.input.count === 0 ? { note: "no drawing answered the input" } : {};
      add(`${kind} echo p50`, r.input.p50, "ms", { basis: SYNC });
      add(`${kind} echo p99`, r.input.p99, "ms", {
        basis: SYNC,
        headline: p === undefined,
        ...none,
      });
    }
    if (single !== undefined) {
      add("first frame p50", single.firstFrameMs.p50, "ms", { basis: SYNC });
      add("frames per second", single.fpsPerSession, "fps", { basis: SYNC });
    }
    if (r.ramp !== undefined) {
      add("capacity", r.ramp.capacity, "sessions", { headline: true, note: r.ramp.stopShort });
    }
  }
  return figures;
}

/** The ramp as curves over sessions, one line per target (and percentile), capacity marked. */
export function curvesOf(results: readonly TargetResult[]): Curve[] {
  const ramped = results.filter((r) => r.ramp !== undefined && r.ramp.levels.length > 0);
  const marks = ramped.map((r) => ({
    x: r.ramp!.capacity,
    label: `${r.target}: capacity ${r.ramp!.capacity} (${r.ramp!.stopShort})`,
  }));
  const curve = (
    what: string,
    title: string,
    unit: string,
    pick: (l: LevelFigures) => Record<string, number>,
    basis?: string,
  ): Curve => ({
    id: `guacd/curve/${what}`,
    title,
    unit,
    x: "sessions at once",
    points: ramped.flatMap((r) =>
      r.ramp!.levels.flatMap((l) =>
        Object.entries(pick(l)).map(([stat, y]) => ({ series: r.target, stat, x: l.sessions, y })),
      ),
    ),
    marks,
    ...(basis === undefined ? {} : { basis }),
  });
  return [
    curve("handshake", "Handshake (ms) by sessions open", "ms", (l) => ({
      p50: l.handshakeMs.p50,
      p99: l.handshakeMs.p99,
    })),
    curve(
      "first-frame",
      "Connect to a complete first screen (ms)",
      "ms",
      (l) => ({ p50: l.firstFrameMs.p50, p99: l.firstFrameMs.p99 }),
      SYNC,
    ),
    curve(
      "input",
      "Input echo while every session is in use (ms)",
      "ms",
      (l) => ({ p50: l.inputMs.p50, p99: l.inputMs.p99 }),
      SYNC,
    ),
    curve("fps", "Frames per second per session", "fps", (l) => ({ "": l.fpsPerSession }), SYNC),
    curve("cpu", "Client CPU per MB received (ms/MB)", "ms/MB", (l) => ({ "": l.cpuMsPerMb })),
    curve("memory", "Client memory per open session (heap + external)", "KiB", (l) => ({
      "": l.heapKibPerSession,
    })),
  ];
}
