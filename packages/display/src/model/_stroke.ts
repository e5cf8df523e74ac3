import type { Subpath } from "./_path.ts";

/** How open subpaths end: guacd's cap 0, 1, 2. */
export type LineCap = "butt" | "round" | "square";
/** How segments meet: guacd's join 0, 1, 2. */
export type LineJoin = "bevel" | "miter" | "round";

/** Stroke settings. */
export interface StrokeStyle {
  readonly width: number;
  readonly cap: LineCap;
  readonly join: LineJoin;
  readonly miterLimit: number;
}

/**
 * The outline of a stroke as polygons whose union (non-zero winding; every polygon is turned the
 * same way) is the stroked area: one quad per segment, plus joins and caps.
 */
export function strokePolygons(subpaths: readonly Subpath[], style: StrokeStyle): number[][] {
  const half = style.width / 2;
  const out: number[][] = [];
  if (!(half > 0)) return out;
  for (const subpath of subpaths) {
    const p = dedupe(subpath.points);
    const n = p.length >> 1;
    if (n < 2) continue;
    const closed = subpath.closed && n > 2;
    const segments = closed ? n : n - 1;
    for (let i = 0; i < segments; i++) {
      const j = (i + 1) % n;
      const ax = p[2 * i] as number;
      const ay = p[2 * i + 1] as number;
      const bx = p[2 * j] as number;
      const by = p[2 * j + 1] as number;
      const [nx, ny] = normal(ax, ay, bx, by, half);
      out.push(orient([ax + nx, ay + ny, bx + nx, by + ny, bx - nx, by - ny, ax - nx, ay - ny]));
    }
    // Joins at interior vertices (and every vertex of a closed subpath).
    const first = closed ? 0 : 1;
    const last = closed ? n : n - 1;
    for (let i = first; i < last; i++) {
      const prev = (i - 1 + n) % n;
      const next = (i + 1) % n;
      join(out, p, prev, i, next, half, style);
    }
    if (!closed) {
      cap(out, p[2] as number, p[3] as number, p[0] as number, p[1] as number, half, style.cap);
      cap(
        out,
        p[2 * n - 4] as number,
        p[2 * n - 3] as number,
        p[2 * n - 2] as number,
        p[2 * n - 1] as number,
        half,
        style.cap,
      );
    }
  }
  return out;
}

function dedupe(points: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    const n = out.length;
    if (n >= 2 && out[n - 2] === x && out[n - 1] === y) continue;
    out.push(x, y);
  }
  return out;
}

function normal(ax: number, ay: number, bx: number, by: number, half: number): [number, number] {
  const length = Math.hypot(bx - ax, by - ay) || 1;
  return [(-(by - ay) / length) * half, ((bx - ax) / length) * half];
}

function join(
  out: number[][],
  p: readonly number[],
  a: number,
  b: number,
  c: number,
  half: number,
  style: StrokeStyle,
): void {
  const bx = p[2 * b] as number;
  const by = p[2 * b + 1] as number;
  if (style.join === "round") {
    out.push(circle(bx, by, half));
    return;
  }
  const [n1x, n1y] = normal(p[2 * a] as number, p[2 * a + 1] as number, bx, by, half);
  const [n2x, n2y] = normal(bx, by, p[2 * c] as number, p[2 * c + 1] as number, half);
  // The outer side is where the turn opens; both sides are covered, the inner one by the quads.
  for (const sign of [1, -1]) {
    const ax = bx + sign * n1x;
    const ay = by + sign * n1y;
    const cx = bx + sign * n2x;
    const cy = by + sign * n2y;
    out.push(orient([bx, by, ax, ay, cx, cy]));
    if (style.join === "miter") {
      const cos = (n1x * n2x + n1y * n2y) / (half * half);
      const miterRatio = 1 / Math.sqrt(Math.max(1e-12, (1 + cos) / 2));
      if (miterRatio <= style.miterLimit) {
        const mx = n1x + n2x;
        const my = n1y + n2y;
        const ml = Math.hypot(mx, my) || 1;
        const tipX = bx + sign * (mx / ml) * half * miterRatio;
        const tipY = by + sign * (my / ml) * half * miterRatio;
        out.push(orient([ax, ay, tipX, tipY, cx, cy]));
      }
    }
  }
}

function cap(
  out: number[][],
  fromX: number,
  fromY: number,
  endX: number,
  endY: number,
  half: number,
  kind: LineCap,
): void {
  if (kind === "butt") return;
  if (kind === "round") {
    out.push(circle(endX, endY, half));
    return;
  }
  const length = Math.hypot(endX - fromX, endY - fromY) || 1;
  const dx = ((endX - fromX) / length) * half;
  const dy = ((endY - fromY) / length) * half;
  const [nx, ny] = [-dy, dx];
  out.push(
    orient([
      endX + nx,
      endY + ny,
      endX + nx + dx,
      endY + ny + dy,
      endX - nx + dx,
      endY - ny + dy,
      endX - nx,
      endY - ny,
    ]),
  );
}

function circle(cx: number, cy: number, radius: number): number[] {
  const steps = Math.max(32, Math.min(512, Math.ceil(radius * 8)));
  const points: number[] = [];
  for (let i = 0; i < steps; i++) {
    const angle = (2 * Math.PI * i) / steps;
    points.push(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
  }
  return orient(points);
}

/** Turns a polygon counter-clockwise (positive area) so overlapping pieces add up, never cancel. */
function orient(points: number[]): number[] {
  let area = 0;
  const n = points.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    area +=
      (points[2 * i] as number) * (points[2 * j + 1] as number) -
      (points[2 * j] as number) * (points[2 * i + 1] as number);
  }
  if (area >= 0) return points;
  const reversed: number[] = [];
  for (let i = n - 1; i >= 0; i--)
    reversed.push(points[2 * i] as number, points[2 * i + 1] as number);
  return reversed;
}
