import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/**
 * Every process still in a sandboxed instance's cgroup (`clawbox-<userId>` below this process's
 * own groups, where the Manager it started puts them): what a Manager that died mid-boot (or was
 * SIGKILLed) left behind, whatever its parent, session or group. Stopped by pid.
 */
export async function stopInstanceCgroups(graceMs: number): Promise<number> {
  const pids = () => {
    const out = new Set<number>();
    for (const line of readOr("/proc/self/cgroup").split("\n")) {
      const [, controllers, path] = line.split(":");
      if (path === undefined) continue;
      const mount = controllers === "" ? "/sys/fs/cgroup" : controllers!.split(",").includes("memory") ? "/sys/fs/cgroup/memory" : null;
      if (!mount || (controllers === "" && existsSync("/sys/fs/cgroup/memory"))) continue;
      // On v2 the Manager moves its group's processes into a `manager` leaf (cgroups.ts): the
      // instances' groups are then next to that leaf.
      const own = join(mount, path);
      for (const dir of own.endsWith("/manager") ? [own, join(own, "..")] : [own]) {
        if (!existsSync(dir)) continue;
        for (const name of readdirSync(dir)) {
          if (!name.startsWith("clawbox-")) continue;
          for (const p of readOr(join(dir, name, "cgroup.procs")).split("\n")) if (p) out.add(Number(p));
        }
      }
    }
    return [...out].filter((p) => isAlive(p));
  };
  const first = pids();
  if (first.length === 0) return 0;
  for (const p of first) tryKill(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids().length > 0) await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 20 && pids().length > 0; i++) {
    for (const p of pids()) tryKill(p, "SIGKILL");
    await new Promise((r) => setTimeout(r, 100));
  }
  return first.length;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
