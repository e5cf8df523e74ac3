import type { Matrix } from "./_matrix.ts";

/** One subpath: flat device coordinates `[x0, y0, x1, y1, …]` and whether it was closed. */
export interface Subpath {
  readonly points: number[];
  closed: boolean;
}

/** An axis-aligned rectangle of whole pixels. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const TAU = 2 * Math.PI;

/**
 * A canvas path under construction, kept in device coordinates: each point goes through the
 * transform current when it is added, as a canvas does. Arcs and curves are flattened to line
 * segments fine enough for sub-pixel error.
 */
export class Path {
  /** The subpaths, oldest first. */
  readonly subpaths: Subpath[] = [];

  /** Forgets every subpath (`beginPath`). */
  clear(): void {
    this.subpaths.length = 0;
  }

  /** Starts a new subpath at (x, y). */
  moveTo(x: number, y: number, m: Matrix): void {
    this.subpaths.push({
      points: [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]],
      closed: false,
    });
  }

  /** A line to (x, y); with no subpath yet, starts one there. */
  lineTo(x: number, y: number, m: Matrix): void {
    const last = this.subpaths[this.subpaths.length - 1];
    if (last === undefined) {
      this.moveTo(x, y, m);
      return;
    }
    last.points.push(m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
  }

  /** A closed rectangle subpath, then a new subpath at its corner (as a canvas's `rect`). */
  rect(x: number, y: number, w: number, h: number, m: Matrix): void {
    this.moveTo(x, y, m);
    this.lineTo(x + w, y, m);
    this.lineTo(x + w, y + h, m);
    this.lineTo(x, y + h, m);
    this.close();
  }

  /** A circular arc, joined to the current point by a line as a canvas does. */
  arc(
    cx: number,
    cy: number,
    radius: number,
    start: number,
    end: number,
    anticlockwise: boolean,
    m: Matrix,
  ): void {
    let sweep: number;
    if (!anticlockwise) {
      sweep = end - start >= TAU ? TAU : (((end - start) % TAU) + TAU) % TAU;
    } else {
      sweep = start - end >= TAU ? -TAU : -((((start - end) % TAU) + TAU) % TAU);
    }
    const scale = Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2])) || 1;
    const steps = Math.max(4, Math.ceil((Math.abs(sweep) * Math.sqrt(radius * scale + 1)) / 0.35));
    const bounded = Math.min(steps, 4096);
    for (let i = 0; i <= bounded; i++) {
      const angle = start + (sweep * i) / bounded;
      const x = cx + radius * Math.cos(angle);
      const y = cy + radius * Math.sin(angle);
      if (i === 0 && this.subpaths.length === 0) this.moveTo(x, y, m);
      else this.lineTo(x, y, m);
    }
  }

  /** A cubic Bézier curve from the current point (or from its first control point if none). */
  curveTo(
    cp1x: number,
    cp1y: number,
    cp2x: number,
    cp2y: number,
    x: number,
    y: number,
    m: Matrix,
  ): void {
    if (this.subpaths.length === 0) this.moveTo(cp1x, cp1y, m);
    const last = this.subpaths[this.subpaths.length - 1] as Subpath;
    const n = last.points.length;
    const x0 = last.points[n - 2] as number;
    const y0 = last.points[n - 1] as number;
    // Control points in device space: affine maps preserve Bézier curves.
    const p1x = m[0] * cp1x + m[2] * cp1y + m[4];
    const p1y = m[1] * cp1x + m[3] * cp1y + m[5];
    const p2x = m[0] * cp2x + m[2] * cp2y + m[4];
    const p2y = m[1] * cp2x + m[3] * cp2y + m[5];
    const p3x = m[0] * x + m[2] * y + m[4];
    const p3y = m[1] * x + m[3] * y + m[5];
    const length =
      Math.hypot(p1x - x0, p1y - y0) +
      Math.hypot(p2x - p1x, p2y - p1y) +
      Math.hypot(p3x - p2x, p3y - p2y);
    const steps = Math.min(4096, Math.max(4, Math.ceil(Math.sqrt(length) * 3)));
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      const u = 1 - t;
      const a = u * u * u;
      const b = 3 * u * u * t;
      const c = 3 * u * t * t;
      const d = t * t * t;
      last.points.push(a * x0 + b * p1x + c * p2x + d * p3x, a * y0 + b * p1y + c * p2y + d * p3y);
    }
  }

  /** Closes the current subpath and starts a new one at its first point. */
  close(): void {
    const last = this.subpaths[this.subpaths.length - 1];
    if (last === undefined || last.closed) return;
    last.closed = true;
    this.subpaths.push({
      points: [last.points[0] as number, last.points[1] as number],
      closed: false,
    });
  }

  /**
   * The rectangle of whole pixels this path fills when it is exactly one axis-aligned rectangle
   * with integer corners (the common `rect` + `cfill`), else `undefined`.
   */
  pixelRect(): PixelRect | undefined {
    let found: PixelRect | undefined;
    for (const subpath of this.subpaths) {
      const p = subpath.points;
      if (p.length <= 2) continue; // a lone point encloses nothing
      if (found !== undefined || p.length !== 8) return undefined;
      const [x0, y0, x1, y1, x2, y2, x3, y3] = p as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const horizontalFirst = y0 === y1 && x1 === x2 && y2 === y3 && x3 === x0;
      const verticalFirst = x0 === x1 && y1 === y2 && x2 === x3 && y3 === y0;
      if (!horizontalFirst && !verticalFirst) return undefined;
      const left = Math.min(x0, x2);
      const top = Math.min(y0, y2);
      const width = Math.abs(x2 - x0);
      const height = Math.abs(y2 - y0);
      if (![left, top, width, height].every(Number.isInteger)) return undefined;
      found = { x: left, y: top, width, height };
    }
    return found ?? { x: 0, y: 0, width: 0, height: 0 };
  }
}
