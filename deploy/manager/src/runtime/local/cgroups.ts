import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Per-instance cgroups: the pod's memory limit and a pid limit, on cgroup v1 (a hierarchy per
 * controller, as on this machine) or v2 (one unified hierarchy). Each instance gets its own
 * group below the Manager's own group (`clawbox-<userId>`), so a Manager that is itself limited
 * stays the ceiling. Processes join before they exec (see sandbox.ts: the launcher writes its
 * own pid into `procsFiles` first), so nothing an instance forks escapes its limits.
 */
export type CgroupVersion = 1 | 2;

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

export interface InstanceCgroup {
  version: CgroupVersion;
  /** One dir per controller on v1 (memory, pids), one dir on v2. */
  dirs: string[];
  /** cgroup.procs files a new process writes its pid into. */
  procsFiles: string[];
}

const ROOT = "/sys/fs/cgroup";

/** Which cgroup layout this machine has, or why there is none we can use. */
export function detectCgroups(): { version: CgroupVersion } | { missing: string } {
  if (existsSync(join(ROOT, "memory", "memory.limit_in_bytes")) && existsSync(join(ROOT, "pids"))) return { version: 1 };
  const controllers = readOr(join(ROOT, "cgroup.controllers"), "");
  if (/\bmemory\b/.test(controllers) && /\bpids\b/.test(controllers)) return { version: 2 };
  return { missing: "cgroup memory and pids controllers (mounted at /sys/fs/cgroup as v1 or v2)" };
}

/** The Manager's own group path for a v1 controller or for v2 ("" key), from /proc/self/cgroup. */
function ownGroup(controller: string | null): string {
  for (const line of readOr("/proc/self/cgroup", "").split("\n")) {
    const [, list, path] = line.split(":");
    if (path === undefined) continue;
    if (controller === null ? list === "" : list!.split(",").includes(controller)) return path;
  }
  return "/";
}

export function instanceCgroup(version: CgroupVersion, userId: string): InstanceCgroup {
  const name = `clawbox-${userId}`;
  if (version === 1) {
    const dirs = ["memory", "pids"].map((c) => join(ROOT, c, ownGroup(c), name));
    return { version, dirs, procsFiles: dirs.map((d) => join(d, "cgroup.procs")) };
  }
  const dir = join(ROOT, ownGroup(null), name);
  return { version, dirs: [dir], procsFiles: [join(dir, "cgroup.procs")] };
}

/** Creates the groups (idempotent) and writes the limits. */
export function applyLimits(cg: InstanceCgroup, limits: CgroupLimits) {
  if (cg.version === 2) enableV2Controllers(join(cg.dirs[0]!, ".."));
  for (const d of cg.dirs) mkdirSync(d, { recursive: true });
  if (cg.version === 1) {
    const [mem, pids] = cg.dirs as [string, string];
    // No swap on the instance: memsw (when the kernel accounts it) equals the memory limit,
    // raised in the order the kernel accepts (memsw must stay >= memory).
    const memsw = join(mem, "memory.memsw.limit_in_bytes");
    if (existsSync(memsw)) {
      const current = Number(readOr(join(mem, "memory.limit_in_bytes"), "0"));
      if (limits.memoryBytes > current) {
        writeFileSync(memsw, String(limits.memoryBytes));
        writeFileSync(join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
      } else {
        writeFileSync(join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
        writeFileSync(memsw, String(limits.memoryBytes));
      }
    } else {
      writeFileSync(join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
    }
    writeFileSync(join(pids, "pids.max"), String(limits.pids));
    return;
  }
  const dir = cg.dirs[0]!;
  writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
  if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
  // Like a container: an OOM kills the whole instance, not one random process in it.
  if (existsSync(join(dir, "memory.oom.group"))) writeFileSync(join(dir, "memory.oom.group"), "1");
  writeFileSync(join(dir, "pids.max"), String(limits.pids));
}

/**
 * v2 only allows controllers in a child when the parent delegates them, and a group with
 * processes cannot delegate ("no internal processes"). The Manager's own group usually holds the
 * Manager: it moves itself into a `manager` leaf first, as systemd services with Delegate= do.
 */
function enableV2Controllers(parent: string) {
  const control = join(parent, "cgroup.subtree_control");
  if (/\bmemory\b/.test(readOr(control, "")) && /\bpids\b/.test(readOr(control, ""))) return;
  try {
    writeFileSync(control, "+memory +pids");
  } catch {
    const leaf = join(parent, "manager");
    mkdirSync(leaf, { recursive: true });
    for (const pid of readOr(join(parent, "cgroup.procs"), "").split("\n").filter(Boolean)) {
      try {
        writeFileSync(join(leaf, "cgroup.procs"), pid);
      } catch {
        /* exited meanwhile */
      }
    }
    writeFileSync(control, "+memory +pids");
  }
}

/** Pids in the instance's groups (every process of the instance, whatever its session or parent). */
export function cgroupPids(cg: InstanceCgroup): number[] {
  const pids = new Set<number>();
  for (const f of cg.procsFiles) for (const p of readOr(f, "").split("\n")) if (p) pids.add(Number(p));
  return [...pids];
}

/** How many times the kernel's OOM killer fired in the instance's memory group. */
export function oomKills(cg: InstanceCgroup): number {
  const file = cg.version === 1 ? join(cg.dirs[0]!, "memory.oom_control") : join(cg.dirs[0]!, "memory.events");
  const m = /^oom_kill (\d+)$/m.exec(readOr(file, ""));
  return m ? Number(m[1]) : 0;
}

/** Memory charged to the instance (bytes). */
export function memoryUsage(cg: InstanceCgroup): number {
  const file = cg.version === 1 ? join(cg.dirs[0]!, "memory.usage_in_bytes") : join(cg.dirs[0]!, "memory.current");
  return Number(readOr(file, "0")) || 0;
}

/** Removes the groups once empty (a group with processes cannot be removed); true when all are gone. */
export function removeCgroup(cg: InstanceCgroup): boolean {
  let done = true;
  for (const d of cg.dirs) {
    try {
      rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") done = false;
    }
  }
  return done;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}
