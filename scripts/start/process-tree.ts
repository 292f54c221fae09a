import { readdirSync, readFileSync } from "node:fs";

/**
 * Linux /proc helpers. The Manager starts each instance's processes detached (their own
 * session and group, so that instances survive a Manager restart); `npm start` still owns
 * them, so before stopping it snapshots every descendant of its services and afterwards
 * stops the groups that are still alive. Start times guard against reused pids.
 */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  startTime: number;
}

export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parens: fields start after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: Number(rest[19]) };
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

/** Still the same process (not a reused pid)? */
export function stillAlive(p: ProcInfo): boolean {
  const now = readProc(p.pid);
  return !!now && now.startTime === p.startTime;
}

/** SIGTERM the groups (and stray members) still alive, SIGKILL after `graceMs`. */
export async function stopLeftovers(snapshot: ProcInfo[], graceMs: number): Promise<number> {
  const signalAll = (signal: NodeJS.Signals) => {
    const alive = snapshot.filter(stillAlive);
    const groups = new Set(alive.map((p) => p.pgid));
    for (const g of groups) tryKill(-g, signal);
    for (const p of alive) tryKill(p.pid, signal);
    return alive.length;
  };
  const first = signalAll("SIGTERM");
  if (first === 0) return 0;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && snapshot.some(stillAlive)) await new Promise((r) => setTimeout(r, 200));
  signalAll("SIGKILL");
  return first;
}

function tryKill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
