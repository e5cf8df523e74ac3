/** CPU time of other processes, read from /proc (Linux): a browser's tree, a broker. */
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ, the unit of /proc's CPU times, is 100 on Linux. */
const TICK_MS = 10;

interface ProcStat {
  readonly pid: number;
  readonly parent: number;
  readonly comm: string;
  readonly ticks: number;
}

function procStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.push({
        pid: Number(entry),
        parent: Number(fields[1]),
        comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // a process that ended meanwhile
    }
  }
  return stats;
}

function treeTicks(stats: readonly ProcStat[], roots: readonly number[]): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const s of stats) {
    ticks.set(s.pid, s.ticks);
    children.set(s.parent, [...(children.get(s.parent) ?? []), s.pid]);
  }
  let total = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const next = stack.pop() as number;
    total += ticks.get(next) ?? 0;
    stack.push(...(children.get(next) ?? []));
  }
  return total;
}

/** CPU ms (user + system) used so far by `pid` and all its descendants. */
export function treeCpuMs(pid: number): number {
  return treeTicks(procStats(), [pid]) * TICK_MS;
}

/**
 * CPU ms used so far by the Chromium processes this process started and their trees (renderer,
 * GPU and utility processes decode and draw too).
 */
export function chromiumCpuMs(): number {
  const stats = procStats();
  const roots = stats
    .filter((s) => s.parent === process.pid && s.comm.startsWith("chrom"))
    .map((s) => s.pid);
  return treeTicks(stats, roots) * TICK_MS;
}
