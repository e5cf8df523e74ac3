// `npm run bench` as a new user runs it: the default run on the simulator answers within 120 s
// and prints at most 40 lines on stdout; its HTML report opens offline in headless Chromium with
// no console error, and every chart holds the JSON's values (each mark's description is the
// figure's label and value). It runs the whole default bench, so it runs only where asked:
// `BENCH_DEFAULT_RUN=1` (.ci/run does, instead of running the bench a second time).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "@guacstream/test-support";
import { afterAll, describe, expect, test } from "vitest";
import { REPO_ROOT, TSX_FLAGS } from "../e2e/target.ts";
import type { Curve } from "../harness/curve.ts";
import type { RunRecord } from "./result.ts";

const LIMIT_MS = 120_000;
const MAX_LINES = 40;
const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "guacstream-bench-default-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...TSX_FLAGS, main, "--json", join(dir, "latest.json"), "--svg", join(dir, "latest.svg")],
    { cwd: REPO_ROOT, env: { ...process.env, GUACD_HOST: "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  const killer = setTimeout(() => child.kill("SIGINT"), LIMIT_MS + 10_000);
  return new Promise((resolve) => {
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe.skipIf(process.env.BENCH_DEFAULT_RUN !== "1")("the default bench run", () => {
  test(
    "answers within 120 s in at most 40 lines, and its report shows the JSON's values",
    async () => {
      const run = await runBench();
      expect(run.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("progress: "))).toEqual(
        [],
      );
      expect(run.code).toBe(0);
      expect(run.ms).toBeLessThan(LIMIT_MS);
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines.length).toBeLessThanOrEqual(MAX_LINES);
      const html = join(dir, "latest.html");
      expect(lines.at(-2)).toMatch(new RegExp(`^done in [\\d.]+ s .*; report: ${html}$`));
      expect(existsSync(join(dir, "latest.svg"))).toBe(true);

      const json = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as RunRecord;
      expect(Object.keys(json.sections)).toEqual(["codec", "e2e", "deno", "guacd", "broker"]);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        // Offline: any request beyond the file itself fails the test.
        const requests: string[] = [];
        page.on("request", (r) => {
          if (!r.url().startsWith("file://")) requests.push(r.url());
        });
        await page.goto(`file://${html}`);
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        const embedded = JSON.parse(
          await page
            .locator("#bench-data")
            .textContent()
            .then((t) => t ?? "null"),
        ) as RunRecord;
        expect(embedded.seconds).toBe(json.seconds);
        // Every mark's accessible label, per chart, as Vega wrote them.
        const charts = await page.$$eval("figure[data-chart]", (figures) =>
          figures.map((f) => ({
            id: f.getAttribute("data-chart") ?? "",
            section: f.closest("section")?.getAttribute("data-section") ?? "",
            labels: Array.from(f.querySelectorAll("[aria-label]"), (e) =>
              e.getAttribute("aria-label"),
            ),
          })),
        );
        for (const [name, section] of Object.entries(json.sections)) {
          const shown = new Set(charts.filter((c) => c.section === name).flatMap((c) => c.labels));
          for (const f of section.figures) {
            if (!Number.isFinite(f.value)) continue;
            const label = f.basis === undefined ? f.label : `${f.label} (${f.basis})`;
            expect(shown, `${name}: ${label}`).toContain(`${label}: ${f.value}`);
          }
          const curves = (section.data as { curves?: Curve[] }).curves ?? [];
          // A curve with no point measured has no chart; every other one has all its points.
          for (const curve of curves.filter((c) => c.points.some((p) => Number.isFinite(p.y)))) {
            const chart = charts.find((c) => c.id === curve.id);
            expect(chart, curve.id).toBeDefined();
            for (const p of curve.points.filter((q) => Number.isFinite(q.y))) {
              expect(chart!.labels).toContain(
                `${`${p.series} ${p.stat}`.trim()} at ${p.x}: ${p.y}`,
              );
            }
          }
        }
      } finally {
        await browser.close();
      }
    },
    LIMIT_MS + 60_000,
  );
});
