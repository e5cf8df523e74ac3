/** Vega-Lite to SVG without a browser: compiled with vega-lite, drawn by Vega's headless view. */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** The SVG markup of a Vega-Lite spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
