/**
 * The Deno transport under Deno: runs `deno-e2e.ts` with the workspace's `deno` binary against the
 * same target as the Node e2e section (a fresh simulator child, or `GUACD_HOST`), and reports its
 * rows. Skipped, with a line saying why, when there is no `deno` or, in quick mode, when it runs
 * past its time limit.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { THROUGHPUT_TARGET } from "../e2e/section.ts";
import { openTarget, REPO_ROOT } from "../e2e/target.ts";
import { type Figure, RATIO } from "../harness/figure.ts";
import { fmt, ratio, table, targetsTable } from "../harness/format.ts";
import type { Section, SectionContext, SectionResult, TargetStatus } from "../harness/section.ts";

function run(
  deno: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ stdout: string; timedOut: boolean; error: Error | null }> {
  return new Promise((resolve) => {
    execFile(
      deno,
      args,
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, NO_COLOR: "1" },
        timeout: timeoutMs,
        // Ctrl-C ends the Deno child too (its simulator child exits with it).
        ...(signal === undefined ? {} : { signal }),
      },
      (error, stdout) => {
        resolve({ stdout, timedOut: error?.killed === true, error });
      },
    );
  });
}

/** One row of `deno-e2e.ts`'s `JSON` line. */
interface DenoRow {
  mode: string;
  concurrency: number;
  medianMs: number;
  mbPerS: number;
  instrPerS: number;
  ratio: number;
}

const skipped = (ctx: SectionContext, why: string): SectionResult => {
  ctx.log(`skipped: ${why}`);
  return { data: { skipped: why }, figures: [], method: "", skipped: why };
};

export const denoSection: Section = {
  name: "deno",
  title: "End to end under Deno: @guacstream/transport-deno to guacd over loopback",
  estimateSeconds: { quick: 0, default: 14, full: 120 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    const deno = join(REPO_ROOT, "node_modules", ".bin", "deno");
    if (ctx.mode === "quick") {
      return skipped(ctx, "--quick leaves Deno out; the default run and --full run it");
    }
    if (ctx.run?.realGuacd === true) {
      return skipped(ctx, "a real guacd (its rounds compare client kinds on a firehose)");
    }
    if (!existsSync(deno)) return skipped(ctx, `no deno at ${deno}`);
    const script = fileURLToPath(new URL("./deno-e2e.ts", import.meta.url));
    const timeoutMs = ctx.mode === "full" ? 300_000 : 20_000;
    const target = await openTarget();
    ctx.log(`target: ${target.description}`);
    ctx.progress.step("throughput rounds in a Deno child process");
    let out: Awaited<ReturnType<typeof run>>;
    try {
      out = await run(
        deno,
        [
          "run",
          "--config",
          join(REPO_ROOT, "deno.json"),
          "--allow-net",
          "--allow-read",
          "--allow-env",
          "--allow-run",
          script,
          ...(ctx.mode === "full" ? [] : ["--quick"]),
        ],
        target.env,
        timeoutMs,
        ctx.run?.signal,
      );
    } finally {
      await target.close();
    }
    if (out.timedOut) return skipped(ctx, `deno-e2e.ts took longer than ${timeoutMs / 1000} s`);
    const line = out.stdout.split("\n").find((l) => l.startsWith("JSON "));
    if (line === undefined) {
      if (ctx.mode !== "full") {
        return skipped(ctx, `deno-e2e.ts failed: ${out.error?.message ?? "no result"}`);
      }
      throw new Error(`Cannot run the Deno bench: ${out.error?.message ?? out.stdout}`);
    }
    ctx.log(out.stdout.split("\n")[0] ?? "");
    const rows = JSON.parse(line.slice(5)) as DenoRow[];
    const figures: Figure[] = [];
    const targets: TargetStatus[] = [];
    for (const concurrency of [...new Set(rows.map((r) => r.concurrency))]) {
      const level = rows.filter((r) => r.concurrency === concurrency);
      ctx.log();
      ctx.log(
        `## Deno throughput, ${concurrency} concurrent session(s) (ratio: vs bare Deno.connect)`,
      );
      ctx.log(
        table(
          ["client", "MB/s", "instr/s", "median ms", "vs socket"],
          level.map((r) => [
            r.mode,
            fmt(r.mbPerS),
            fmt(r.instrPerS),
            r.medianMs.toFixed(1),
            ratio(r.ratio),
          ]),
        ),
      );
      for (const r of level) {
        if (r.mode === "socket") continue;
        const targeted = r.mode === "client" || r.mode === "transport+decode";
        figures.push({
          id: `deno/throughput/x${concurrency}/${r.mode}`,
          label: `x${concurrency} ${r.mode} MB/s vs Deno.connect`,
          group: `x${concurrency}`,
          value: r.ratio,
          unit: RATIO,
          ...(targeted ? { target: { op: ">=" as const, value: THROUGHPUT_TARGET } } : {}),
          headline: r.mode === "client",
        });
      }
      for (const r of level) {
        if (r.mode !== "client" && r.mode !== "transport+decode") continue;
        targets.push({
          input: `deno e2e throughput x${concurrency}`,
          case: r.mode,
          against: "bare Deno.connect",
          target: THROUGHPUT_TARGET,
          ratio: r.ratio,
          met: r.ratio >= THROUGHPUT_TARGET,
        });
      }
    }
    ctx.log();
    ctx.log("## Targets (Deno end to end)");
    ctx.log(targetsTable("what", targets));
    return {
      data: { target: target.description, rows },
      figures,
      method:
        "the simulator's firehose from Deno; ratio = MB/s / a bare Deno.connect's, median of rounds",
    };
  },
};
