/** A figure measured at several points (the guacd ramp's levels): one chart of lines. */
export interface Curve {
  /** Stable id, `section/what`. */
  readonly id: string;
  readonly title: string;
  /** The y axis's unit (ms, fps, ms/MB, KiB). */
  readonly unit: string;
  /** The x axis's name. */
  readonly x: string;
  /** One point per (series, stat, x): a series is a colour (a target), a stat a dash (p50, p99). */
  readonly points: readonly {
    readonly series: string;
    readonly stat: string;
    readonly x: number;
    readonly y: number;
  }[];
  /** Vertical marks with a label (the capacity and why the ramp stopped). */
  readonly marks: readonly { readonly x: number; readonly label: string }[];
  /** What the figure is measured on when it is not what a user sees. */
  readonly basis?: string;
}
