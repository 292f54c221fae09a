import { readdirSync, readFileSync } from "node:fs";

/**
 * Process facts from /proc, so a restarted Manager can tell its own live processes from a
 * reused pid: a pid file stores (pid, starttime) and both must match.
 */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
  startTime: number;
}

export function procStat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return { pid, state: rest[0]!, ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** Alive and the same process (not a zombie, not a reused pid). */
export function isAlive(pid: number, startTime?: number): boolean {
  const s = procStat(pid);
  if (!s || s.state === "Z" || s.state === "X") return false;
  return startTime === undefined || s.startTime === startTime;
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** A process, its whole process group and all descendants (Chromium may leave the group). */
export function processTree(rootPid: number): number[] {
  const stats = allStats();
  const set = new Set<number>();
  if (stats.some((s) => s.pid === rootPid)) set.add(rootPid);
  for (const s of stats) if (s.pgid === rootPid) set.add(s.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!set.has(s.pid) && set.has(s.ppid)) {
        set.add(s.pid);
        grew = true;
      }
    }
  }
  return [...set].filter((pid) => isAlive(pid));
}

/** Resident memory of a process in bytes (0 if gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}
