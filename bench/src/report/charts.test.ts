import { describe, expect, test } from "vitest";
import type { Figure } from "../harness/figure.ts";
import { absoluteChart, curveChart } from "./charts.ts";

const figure = (value: number, unit: string): Figure => ({
  id: `t/${value}`,
  label: `share ${value}`,
  group: "g",
  value,
  unit,
});

/** The x scale's domain of an absolute chart's bars. */
function domainOf(figures: Figure[], unit: string): unknown {
  const spec = absoluteChart("id", "s", "t", unit, figures).spec as unknown as {
    layer: { encoding: { x: { scale: { domain: unknown } } } }[];
  };
  return spec.layer[0]!.encoding.x.scale.domain;
}

describe("absolute charts' axes", () => {
  test("a share's axis runs from 0 to 100%", () => {
    expect(domainOf([figure(12, "%"), figure(96, "%")], "%")).toEqual([0, 100]);
  });

  test("a figure over 100% widens the axis past it", () => {
    const [, top] = domainOf([figure(150, "%")], "%") as [number, number];
    expect(top).toBeGreaterThan(150);
  });

  test("other units leave room past the largest figure", () => {
    const [, top] = domainOf([figure(80, "ms")], "ms") as [number, number];
    expect(top).toBeGreaterThan(80);
  });
});

describe("ramp curves", () => {
  test("a target keeps its colour on every curve, even where it has no point", () => {
    const curve = (ys: (number | undefined)[]) =>
      curveChart("guacd", {
        id: "c",
        title: "t",
        unit: "ms",
        x: "sessions",
        points: ["ssh", "vnc"].flatMap((series, k) => [
          { series, stat: "p50", x: 1, y: ys[k] ?? Number.NaN },
        ]),
        marks: [],
      });
    const domainOf = (c: ReturnType<typeof curveChart>): unknown =>
      (c.spec as unknown as { layer: { encoding: { color: { scale: { domain: unknown } } } }[] })
        .layer[0]!.encoding.color.scale.domain;
    expect(domainOf(curve([10, 20]))).toEqual(["ssh", "vnc"]);
    expect(domainOf(curve([undefined, 20]))).toEqual(["ssh", "vnc"]);
  });
});
