import { isAlive, type ProcInfo } from "@clawbox/shared/proc";

/**
 * The Manager starts each instance's processes detached (their own session and group, so
 * that instances survive a Manager restart); `npm start` still owns them, so before stopping
 * it snapshots every descendant of its services (`descendants` from @clawbox/shared/proc) and
 * afterwards stops the groups that are still alive. Start times guard against reused pids.
 *
 * SIGTERM the groups (and stray members) still alive, SIGKILL after `graceMs`. */
export async function stopLeftovers(snapshot: ProcInfo[], graceMs: number): Promise<number> {
  const signalAll = (signal: NodeJS.Signals) => {
    const alive = snapshot.filter((p) => isAlive(p.pid, p.startTime));
    const groups = new Set(alive.map((p) => p.pgid));
    for (const g of groups) tryKill(-g, signal);
    for (const p of alive) tryKill(p.pid, signal);
    return alive.length;
  };
  const first = signalAll("SIGTERM");
  if (first === 0) return 0;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && snapshot.some((p) => isAlive(p.pid, p.startTime))) await new Promise((r) => setTimeout(r, 200));
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
