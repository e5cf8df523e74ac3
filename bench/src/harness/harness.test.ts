import { describe, expect, test } from "vitest";
import { sectionSummary } from "../report/summary.ts";
import { BenchUsageError, parseCli } from "./cli.ts";
import { type Figure, formatValue, verdict } from "./figure.ts";
import { Progress } from "./progress.ts";

describe("the command line", () => {
  test("modes, sections and numbers", () => {
    expect(parseCli([]).mode).toBe("default");
    expect(parseCli(["--", "--quick"]).mode).toBe("quick");
    const cli = parseCli([
      "--full",
      "--section",
      "codec,guacd",
      "--budget",
      "30",
      "--max-sessions",
      "4.7",
    ]);
    expect([cli.mode, cli.sections, cli.budgetSeconds, cli.maxSessions]).toEqual([
      "full",
      ["codec", "guacd"],
      30,
      4,
    ]);
  });

  test("an unknown flag, a bad number or two modes are usage errors", () => {
    for (const argv of [
      ["--fast"],
      ["--budget", "-1"],
      ["--quick", "--full"],
      ["--chunk-bytes", "1.5"],
    ]) {
      expect(() => parseCli(argv)).toThrow(BenchUsageError);
    }
    expect(() => parseCli(["--budget"])).toThrow(expect.objectContaining({ code: "BENCH_USAGE" }));
  });
});

describe("figures", () => {
  const f = (value: number, op?: ">=" | "<="): Figure => ({
    id: "x",
    label: "x",
    group: "g",
    value,
    unit: "ms",
    ...(op === undefined ? {} : { target: { op, value: 10 } }),
  });

  test("a verdict only where there is a target and a value", () => {
    expect([
      verdict(f(12, ">=")),
      verdict(f(8, ">=")),
      verdict(f(8, "<=")),
      verdict(f(12, "<=")),
    ]).toEqual(["met", "MISSED", "met", "MISSED"]);
    expect(verdict(f(8))).toBe("");
    expect(verdict(f(Number.NaN, ">="))).toBe("");
  });

  test("values keep about three digits and their unit", () => {
    expect([
      formatValue(1.2345, "x"),
      formatValue(123.4, "ms"),
      formatValue(8, "sessions"),
    ]).toEqual(["1.23x", "123 ms", "8 sessions"]);
  });

  test("the summary prints headline figures only, under the section's method, with no rule", () => {
    const lines = sectionSummary("e2e", {
      title: "t",
      method: "how",
      data: null,
      figures: [{ ...f(12.5, "<="), headline: true, basis: "sync-based" }, f(3)],
    });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("e2e: how");
    expect(lines[2]).toMatch(/^ {2}x \(sync-based\)\s+12.5 ms\s+<= 10 ms\s+MISSED$/);
    // Verdicts and their notes start in one column, read left to right.
    const noted = sectionSummary("guacd", {
      title: "t",
      method: "how",
      data: null,
      figures: [
        { ...f(12.5, "<="), headline: true, note: "a long note on why" },
        { ...f(3, "<="), headline: true },
      ],
    });
    const column = noted[2]!.indexOf("MISSED a long note on why");
    expect(column).toBeGreaterThan(0);
    expect(noted[3]!.slice(column)).toBe("met");
    expect(
      sectionSummary("deno", {
        title: "t",
        method: "",
        data: null,
        figures: [],
        skipped: "no deno",
      }),
    ).toEqual(["deno: skipped (no deno)"]);
  });
});

describe("progress", () => {
  function progress(sessions = 0) {
    let now = 0;
    const out: string[] = [];
    const p = new Progress({
      tty: false,
      intervalMs: 10_000,
      deadline: Number.POSITIVE_INFINITY,
      sessions: () => sessions,
      write: (t) => out.push(t),
      now: () => now,
    });
    return { p, out, at: (ms: number) => (now = ms) };
  }

  test("section, step, done of total and an ETA from the pace; no sessions where none are open", () => {
    const { p, out, at } = progress();
    p.section("codec", 1, 2, 20_000, 30_000);
    expect(out.at(-1)).toBe("progress: [1/2 codec] · 0s elapsed, about 50s left\n");
    p.plan(4);
    p.step("vnc: round 1/4");
    at(10_000);
    p.step("vnc: round 2/4");
    // One step in 10 s, three left: 30 s, then 30 s of the later sections.
    expect(p.status()).toBe(
      "[1/2 codec] · vnc: round 2/4 · 1/4 done · 10s elapsed, about 1m00s left",
    );
    p.stop();
  });

  test("sessions and MB appear while sessions are open or bytes came in", () => {
    const { p } = progress(3);
    p.section("guacd", 1, 1, 10_000, 0);
    p.addBytes(2_500_000);
    expect(p.status()).toMatch(/3 session\(s\) open, 2.5 MB received/);
    p.endsBy(4000);
    expect(p.etaMs()).toBe(4000);
    p.stop();
  });
});
