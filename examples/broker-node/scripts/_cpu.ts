// CPU time from Linux's /proc, to show where a measurement's CPU went: each process's own
// (user + system) and the machine's in all.
import { readFileSync } from "node:fs";

const TICK = 100; // USER_HZ: /proc reports in hundredths of a second on every Linux arch we run

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, utime 14, stime 15 (1-based, as proc(5) counts).
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** The machine's CPU seconds, busy and in all, summed over its cores. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .split(/\s+/)
    .slice(1, 9)
    .map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / TICK, total: (busy + idle! + iowait!) / TICK };
}

/** Per-role CPU over a window, as percent of one core. */
export class CpuWindow {
  readonly #pids: Readonly<Record<string, number>>;
  #start = 0;
  #roles: Record<string, number> = {};
  #machine = { busy: 0, total: 0 };

  constructor(pids: Readonly<Record<string, number>>) {
    this.#pids = pids;
    this.reset();
  }

  reset(): void {
    this.#start = performance.now();
    this.#machine = machineCpu();
    this.#roles = Object.fromEntries(
      Object.entries(this.#pids).map(([role, pid]) => [role, cpuSeconds(pid)]),
    );
  }

  /** Percent of one core each role used since `reset`; `other` is the rest of the machine's busy time. */
  read(): Record<string, number> {
    const seconds = (performance.now() - this.#start) / 1000;
    const machine = machineCpu();
    const shares: Record<string, number> = {};
    let ours = 0;
    for (const [role, pid] of Object.entries(this.#pids)) {
      const used = cpuSeconds(pid) - (this.#roles[role] ?? 0);
      ours += used;
      shares[role] = (100 * used) / seconds;
    }
    const busy = machine.busy - this.#machine.busy;
    const total = machine.total - this.#machine.total;
    shares.other = Math.max(0, (100 * (busy - ours)) / seconds);
    shares.idle = (100 * (total - busy)) / seconds;
    return shares;
  }
}
