/** Coverage of a shape over a pixel box: `cover[(y - top) * width + (x - left)]` in 0..1. */
export interface CoverageMask {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly cover: Float32Array;
}

/** Sub-scanlines per pixel row: coverage is exact horizontally and in steps of 1/16 vertically. */
const SUBSAMPLES = 16;

/**
 * Rasterises closed polygons (flat `[x0, y0, x1, y1, …]` device coordinates) with the non-zero
 * winding rule, clipped to `0..canvasWidth × 0..canvasHeight`. Shapes with whole-pixel edges get
 * exact coverage; slanted and curved edges are anti-aliased within 1/16 of a pixel.
 */
export function rasterizePolygons(
  polygons: readonly (readonly number[])[],
  canvasWidth: number,
  canvasHeight: number,
): CoverageMask | undefined {
  // Edges as [x0, y0, x1, y1, direction] with y0 < y1; horizontal edges never cross a scanline.
  const edges: number[] = [];
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const polygon of polygons) {
    const n = polygon.length >> 1;
    if (n < 2) continue;
    for (let i = 0; i < n; i++) {
      const ax = polygon[2 * i] as number;
      const ay = polygon[2 * i + 1] as number;
      const j = (i + 1) % n;
      const bx = polygon[2 * j] as number;
      const by = polygon[2 * j + 1] as number;
      if (!Number.isFinite(ax + ay + bx + by)) return undefined;
      minX = Math.min(minX, ax);
      maxX = Math.max(maxX, ax);
      minY = Math.min(minY, ay);
      maxY = Math.max(maxY, ay);
      if (ay === by) continue;
      if (ay < by) edges.push(ax, ay, bx, by, 1);
      else edges.push(bx, by, ax, ay, -1);
    }
  }
  const left = Math.max(0, Math.floor(minX));
  const top = Math.max(0, Math.floor(minY));
  const right = Math.min(canvasWidth, Math.ceil(maxX));
  const bottom = Math.min(canvasHeight, Math.ceil(maxY));
  if (edges.length === 0 || right <= left || bottom <= top) return undefined;
  const width = right - left;
  const height = bottom - top;
  const cover = new Float32Array(width * height);
  const accumulate = new Float64Array(width + 2);
  const crossings: number[] = [];
  const edgeCount = edges.length / 5;
  for (let row = 0; row < height; row++) {
    accumulate.fill(0);
    for (let k = 0; k < SUBSAMPLES; k++) {
      const sy = top + row + (k + 0.5) / SUBSAMPLES;
      crossings.length = 0;
      for (let e = 0; e < edgeCount; e++) {
        const y0 = edges[5 * e + 1] as number;
        const y1 = edges[5 * e + 3] as number;
        if (sy < y0 || sy >= y1) continue;
        const x0 = edges[5 * e] as number;
        const x1 = edges[5 * e + 2] as number;
        crossings.push(x0 + ((sy - y0) * (x1 - x0)) / (y1 - y0), edges[5 * e + 4] as number);
      }
      if (crossings.length === 0) continue;
      sortCrossings(crossings);
      let winding = 0;
      for (let c = 0; c < crossings.length; c += 2) {
        const before = winding;
        winding += crossings[c + 1] as number;
        if (before === 0 && winding !== 0) {
          // A span starts here; find where the winding returns to zero.
          let end = c + 2;
          let w = winding;
          while (end < crossings.length) {
            w += crossings[end + 1] as number;
            if (w === 0) break;
            end += 2;
          }
          addSpan(
            accumulate,
            (crossings[c] as number) - left,
            (crossings[end] ?? right) - left,
            width,
          );
          winding = 0;
          c = end;
        }
      }
    }
    let sum = 0;
    const base = row * width;
    for (let x = 0; x < width; x++) {
      sum += accumulate[x] as number;
      const value = sum / SUBSAMPLES;
      cover[base + x] = Math.min(1, Math.max(0, value));
    }
  }
  return { left, top, width, height, cover };
}

/** Adds the horizontal span [a, b) (box coordinates) to a row's running-difference accumulator. */
function addSpan(acc: Float64Array, a: number, b: number, width: number): void {
  const from = Math.max(0, Math.min(width, a));
  const to = Math.max(0, Math.min(width, b));
  if (to <= from) return;
  const fi = Math.floor(from);
  const ti = Math.floor(to);
  const ff = from - fi;
  const tf = to - ti;
  acc[fi] = (acc[fi] as number) + (1 - ff);
  acc[fi + 1] = (acc[fi + 1] as number) + ff;
  acc[ti] = (acc[ti] as number) - (1 - tf);
  acc[ti + 1] = (acc[ti + 1] as number) - tf;
}

/** Sorts [x, direction] pairs by x (few per scanline: insertion sort). */
function sortCrossings(c: number[]): void {
  for (let i = 2; i < c.length; i += 2) {
    const x = c[i] as number;
    const d = c[i + 1] as number;
    let j = i - 2;
    while (j >= 0 && (c[j] as number) > x) {
      c[j + 2] = c[j] as number;
      c[j + 3] = c[j + 1] as number;
      j -= 2;
    }
    c[j + 2] = x;
    c[j + 3] = d;
  }
}
