import { readdirSync, readFileSync } from "node:fs";

/**
 * Linux /proc facts, for the supervisors of detached process sets (the Manager's local runtime
 * and `npm start`). A pid alone can be reused, so a process is identified by (pid, startTime).
 */
export interface ProcInfo {
  pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  ppid: number;
  pgid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

export function readProc(pid: number): ProcInfo | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return { pid, state: rest[0]!, ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Alive and the same process: not a zombie, and not a reused pid when startTime is given. */
export function isAlive(pid: number, startTime?: number): boolean {
  const p = readProc(pid);
  if (!p || p.state === "Z" || p.state === "X") return false;
  return startTime === undefined || p.startTime === startTime;
}

/** Every process below `roots` (children, grandchildren, ... whatever their group). */
export function descendants(roots: number[], procs = allProcs()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const queue = [...roots];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** A process, its whole process group and all their descendants (Chromium may leave the group). */
export function processTree(rootPid: number, procs = allProcs()): number[] {
  const set = new Set<number>();
  if (procs.some((p) => p.pid === rootPid)) set.add(rootPid);
  for (const p of procs) if (p.pgid === rootPid) set.add(p.pid);
  for (const d of descendants([...set], procs)) set.add(d.pid);
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
