/** The guacd section's results as report figures and as curves over the ramp's sessions. */
import type { Curve } from "../harness/curve.ts";
import { type Figure, type FigureView, formatValue } from "../harness/figure.ts";
import type { ClientFigures } from "./browser-client.ts";
import type { LevelFigures } from "./ramp.ts";
import { STABLE_MS, SYNC, type TargetResult } from "./result.ts";

/** How the report names the browser's client. */
const COMMON_JS = "guacamole-common-js";

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
    const unmeasured = { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN };
    // No latency is shown where the photon cannot be told apart (the simulator), nor where most
    // inputs changed nothing where they landed (a pointer the client draws): the few changes
    // left are the screen's own, not answers. n/a and why; the samples stay in the JSON.
    const shown = <F extends ClientFigures>(f: F): F =>
      r.photonNa !== undefined || f.photonMs.unchanged * 2 > f.photonMs.sent
        ? { ...f, photonMs: { ...f.photonMs, ...unmeasured } }
        : f;
    const p = r.pixels === undefined ? undefined : shown(r.pixels);
    const gcj = r.browser !== undefined && "photonMs" in r.browser ? shown(r.browser) : undefined;
    if (p !== undefined) {
      // Both clients' percentiles and CPU in the headline's note: side by side in two lines.
      const brief = (f: ClientFigures): string =>
        `p50 ${formatValue(f.photonMs.p50, "ms")}, p95 ${formatValue(f.photonMs.p95, "ms")}; ` +
        `CPU ${formatValue(f.cpuMsPerSecond, "ms/s")}`;
      // A desktop whose pointer the client draws over the screen (guacd's `cursor`: RDP, VNC
      // without "cursor": "remote") changes no pixel of the screen for a move: n/a, not 0.
      const none = (f: ClientFigures): string =>
        r.photonNa ??
        (kind === "pointer"
          ? `n/a: ${f.photonMs.unchanged === f.photonMs.sent ? "no move changed a pixel where it landed" : `${f.photonMs.unchanged} of ${f.photonMs.sent} moves changed no pixel where they landed`}${p.cursorFromGuacd ? "; guacd sent a cursor image for the client to draw over the screen" : ""}`
          : `n/a: ${f.photonMs.unchanged} of ${f.photonMs.sent} keys changed no pixel`);
      const unchanged = (f: ClientFigures): string | undefined =>
        f.photonMs.count === 0
          ? none(f)
          : f.photonMs.unchanged > 0
            ? `${f.photonMs.unchanged} of ${f.photonMs.sent} changed nothing`
            : undefined;
      const note = (f: ClientFigures, extra?: string): { note?: string } => {
        // Without a still place the moves went to a grid, where the screen's own motion may answer.
        const grid =
          kind === "pointer" && r.photonNa === undefined && (p.pointerAt?.length ?? 0) < 2
            ? "moves on a grid: no place stayed still for 1 s"
            : undefined;
        const parts = [unchanged(f), grid, r.browser === undefined ? undefined : brief(f), extra];
        const text = parts.filter((x) => x !== undefined).join("; ");
        return text === "" ? {} : { note: text };
      };
      add(`${kind} to photon p50`, p.photonMs.p50, "ms");
      if (gcj !== undefined) add(`${kind} to photon p50, ${COMMON_JS}`, gcj.photonMs.p50, "ms");
      add(`${kind} to photon p95`, p.photonMs.p95, "ms");
      if (gcj !== undefined) add(`${kind} to photon p95, ${COMMON_JS}`, gcj.photonMs.p95, "ms");
      add(`${kind} to photon p99`, p.photonMs.p99, "ms", { headline: true, ...note(p) });
      if (gcj !== undefined) {
        const broker = `broker ${formatValue(gcj.brokerCpuMsPerSecond ?? Number.NaN, "ms/s")}`;
        add(`${kind} to photon p99, ${COMMON_JS}`, gcj.photonMs.p99, "ms", {
          headline: true,
          ...note(gcj, broker),
        });
      } else if (r.browser !== undefined && "skipped" in r.browser) {
        add(`${kind} to photon p99, ${COMMON_JS}`, Number.NaN, "ms", {
          headline: true,
          note: `not run: ${r.browser.skipped}`,
        });
      }
      add("client CPU at 1 session", p.cpuMsPerSecond, "ms/s");
      if (gcj !== undefined) {
        add(`client CPU at 1 session, ${COMMON_JS} (Chromium)`, gcj.cpuMsPerSecond, "ms/s");
        add(`broker CPU for ${COMMON_JS}`, gcj.brokerCpuMsPerSecond ?? Number.NaN, "ms/s");
      }
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

/** Both clients' input-to-photon on a chart of its own, side by side (their CPU is the ms/s chart). */
export function viewsOf(figures: readonly Figure[]): FigureView[] {
  const compared = figures.filter((f) => f.label.includes(COMMON_JS) && Number.isFinite(f.value));
  if (compared.length === 0) return [];
  const photon = figures.filter(
    (f) => f.id.startsWith("guacd/") && / to photon p\d\d/.test(f.label),
  );
  return [
    {
      id: "clients-photon",
      title: `input to photon at 1 session, ours and ${COMMON_JS} (ms)`,
      unit: "ms",
      ids: photon.map((f) => f.id),
      series: Object.fromEntries(
        photon.map((f) => [
          f.id,
          f.label.includes(COMMON_JS)
            ? `${COMMON_JS} in Chromium`
            : "guacstream + headless display",
        ]),
      ),
    },
  ];
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
      "photon",
      "Input to photon on the probe session while every session is in use (ms)",
      "ms",
      // Only where most of the probe's inputs changed pixels: else the changes were the screen's own.
      (l) =>
        l.photonMs.unchanged * 2 <= l.photonMs.sent
          ? { p50: l.photonMs.p50, p99: l.photonMs.p99 }
          : { p50: Number.NaN, p99: Number.NaN },
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
    curve("memory", "Client memory a session adds (heap + external)", "KiB", (l) => ({
      "": l.heapKibPerSession,
    })),
  ];
}
