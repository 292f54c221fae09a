import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@clawbox/shared";
import { isAlive, processTree } from "@clawbox/shared/proc";
import { applyLimits, cgroupPids, instanceCgroup, oomKills, removeCgroup, type CgroupLimits, type InstanceCgroup } from "./cgroups.ts";
import { PORT_BLOCK, type InstanceLayout } from "./layout.ts";
import { PortGuard } from "./port-guard.ts";
import { pidAlive, spawnLogged, type PidRecord } from "./processes.ts";
import { detectSandbox, sandboxCommand, sandboxExec, SANDBOX_INSTALL_HINT, type SandboxSpec } from "./sandbox.ts";

/**
 * Starts and stops the processes of local instances, sandboxed (sandbox.ts, cgroups.ts,
 * port-guard.ts) or, only with CLAWBOX_UNSAFE_NO_SANDBOX=1, as plain processes of the Manager's
 * uid. Everything is stopped by pid: the instance's cgroup lists every process it has, whatever
 * session, group or parent it moved to.
 */
const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
export const ENTRYPOINT = join(REPO_ROOT, "deploy/scripts/gke-entrypoint.sh");

export interface LaunchTarget {
  userId: string;
  index: number;
  layout: InstanceLayout;
}

export interface LauncherOptions {
  portBase: number;
  uidBase: number;
  pidsLimit: number;
  unsafeNoSandbox: boolean;
  logger: Logger;
}

export class Launcher {
  readonly isolated: boolean;
  private readonly opts: LauncherOptions;
  private readonly cgroupVersion: 1 | 2 | undefined;
  private readonly guard: PortGuard | undefined;
  private readonly guarded = new Map<string, { base: number; uid: number }>();

  constructor(opts: LauncherOptions) {
    this.opts = opts;
    if (opts.unsafeNoSandbox) {
      opts.logger.warn("CLAWBOX_UNSAFE_NO_SANDBOX=1: instances run WITHOUT a sandbox and are not isolated from each other");
      this.isolated = false;
      return;
    }
    const support = detectSandbox(opts.uidBase);
    if (support.available) {
      this.isolated = true;
      this.cgroupVersion = support.cgroupVersion;
      this.guard = new PortGuard(opts.portBase);
      return;
    }
    throw new Error(
      `instances cannot be sandboxed on this machine; missing: ${support.missing.join("; ")}. ` +
        `Run the Manager as root with the Debian packages installed (${SANDBOX_INSTALL_HINT}), ` +
        "or set CLAWBOX_UNSAFE_NO_SANDBOX=1 to run every instance unsandboxed (every assistant can then read every other one's tokens and state)",
    );
  }

  /** Follows the port block, which is unique on the host: two Managers never share a uid. */
  uidOf(t: LaunchTarget): number {
    return this.opts.uidBase + Math.floor(t.layout.ports.gateway / PORT_BLOCK);
  }

  cgroupOf(t: LaunchTarget): InstanceCgroup | undefined {
    return this.cgroupVersion ? instanceCgroup(this.cgroupVersion, t.userId) : undefined;
  }

  /**
   * Before every start: directories, ownership, limits, an empty private /tmp, port rules.
   * Files the Manager wrote as root (seed copy, config seed, lease cleanup) become the instance's.
   */
  prepare(t: LaunchTarget, limits: CgroupLimits) {
    const { layout } = t;
    for (const d of [layout.stateDir, layout.homeDir, layout.logsDir, layout.runDir]) mkdirSync(d, { recursive: true });
    rmSync(layout.tmpDir, { recursive: true, force: true });
    mkdirSync(layout.tmpDir, { recursive: true, mode: 0o700 });
    if (!this.isolated) return;
    const uid = this.uidOf(t);
    // Only the instance (and root) may enter its dirs; its own dir is traverse-only, so bwrap,
    // already running as the instance's uid, can still reach the dirs it binds.
    chmodSync(layout.dir, 0o711);
    for (const d of [layout.stateDir, layout.homeDir, layout.logsDir]) {
      chownTree(d, uid);
      chmodSync(d, 0o700);
    }
    chownEntries(join(layout.stateDir, "state"), uid);
    for (const f of [layout.tmpDir, layout.configSeedFile]) if (existsSync(f)) chownSync(f, uid, uid);
    applyLimits(this.cgroupOf(t)!, limits);
    this.protect(t);
  }

  /** Port rules for the instance's block (also for a re-adopted instance: the table is rebuilt from this list). */
  protect(t: LaunchTarget) {
    if (!this.isolated) return;
    this.guarded.set(t.userId, { base: t.layout.ports.gateway, uid: this.uidOf(t) });
    this.guard!.apply([...this.guarded.values()]);
  }

  spawnGateway(t: LaunchTarget, env: NodeJS.ProcessEnv, onExit: (code: number | null, signal: NodeJS.Signals | null) => void): PidRecord {
    const { layout } = t;
    const { command, args } = this.wrap(t, ["/bin/sh", ENTRYPOINT], {
      readOnly: [layout.configSeedFile],
      writable: [layout.stateDir, layout.homeDir, layout.logsDir],
    });
    return spawnLogged({ command, args, env, cwd: layout.dir, logFile: layout.gatewayLog, pidFile: join(layout.runDir, "entrypoint.pid"), onExit });
  }

  spawnAgent(t: LaunchTarget, agentMain: string, env: NodeJS.ProcessEnv): PidRecord {
    const { layout } = t;
    const { command, args } = this.wrap(t, [process.execPath, agentMain], {
      readOnly: [dirname(agentMain), layout.stateDir],
      writable: [],
    });
    return spawnLogged({ command, args, env, cwd: layout.dir, logFile: layout.agentLog, pidFile: join(layout.runDir, "agent.pid") });
  }

  /** Every live pid of the instance: its cgroup plus the trees of its recorded processes. */
  pids(t: LaunchTarget, recs: Array<PidRecord | undefined>): number[] {
    const set = new Set<number>();
    const cg = this.cgroupOf(t);
    if (cg) for (const p of cgroupPids(cg)) set.add(p);
    for (const r of recs) if (r && (pidAlive(r) || processTree(r.pid).length > 0)) for (const p of processTree(r.pid)) set.add(p);
    return [...set].filter((p) => isAlive(p));
  }

  /** SIGTERM to every process of the instance, SIGKILL to what is left after `graceMs`. */
  async stopAll(t: LaunchTarget, recs: Array<PidRecord | undefined>, graceMs: number): Promise<void> {
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of this.pids(t, recs)) {
        try {
          process.kill(pid, sig);
        } catch {
          /* gone */
        }
      }
    };
    signal("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.pids(t, recs).length > 0) await sleep(100);
    for (let i = 0; i < 50 && this.pids(t, recs).length > 0; i++) {
      signal("SIGKILL");
      await sleep(100);
    }
  }

  oomKills(t: LaunchTarget): number {
    const cg = this.cgroupOf(t);
    return cg ? oomKills(cg) : 0;
  }

  /** After a delete: no limits, no port rules left behind. */
  async release(t: LaunchTarget) {
    if (this.guarded.delete(t.userId)) this.guard!.apply([...this.guarded.values()]);
    const cg = this.cgroupOf(t);
    // A group empties only once its last processes are reaped (zombies still count): retry a while.
    for (let i = 0; cg && i < 50 && !removeCgroup(cg); i++) await sleep(100);
  }

  /** Removes this Manager's port rules (the instances keep running; a restarted Manager re-applies them). */
  shutdown() {
    this.guard?.remove();
  }

  /** One command in a fresh sandbox with the instance's policy (tests, diagnostics). */
  exec(t: LaunchTarget, command: string[], env?: NodeJS.ProcessEnv) {
    if (!this.isolated) throw new Error("instances are not sandboxed (CLAWBOX_UNSAFE_NO_SANDBOX=1)");
    return sandboxExec(this.spec(t, { readOnly: [], writable: [t.layout.stateDir, t.layout.homeDir, t.layout.logsDir] }), command, { env });
  }

  private spec(t: LaunchTarget, extra: { readOnly: string[]; writable: string[] }): SandboxSpec {
    return {
      uid: this.uidOf(t),
      cgroup: this.cgroupOf(t)!,
      // The gateway's and agent's code and Node itself, read-only at their own paths (the
      // WhatsApp install record points at them by absolute path).
      readOnly: [join(REPO_ROOT, "node_modules"), join(REPO_ROOT, "deploy/gateway/node_modules"), join(REPO_ROOT, "deploy/scripts"), ...extra.readOnly],
      writable: extra.writable,
      tmpDir: t.layout.tmpDir,
      cwd: t.layout.stateDir,
    };
  }

  private wrap(t: LaunchTarget, command: string[], extra: { readOnly: string[]; writable: string[] }): { command: string; args: string[] } {
    if (!this.isolated) return { command: command[0]!, args: command.slice(1) };
    return sandboxCommand(this.spec(t, extra), command);
  }
}

/** chown -R, skipped when the top already belongs to uid (a tree chowned once stays chowned). */
function chownTree(dir: string, uid: number) {
  if (!existsSync(dir) || statSync(dir).uid === uid) return;
  const walk = (p: string) => {
    const st = lstatSync(p);
    lchownSync(p, uid, uid); // never follows a link (the WhatsApp peer link points at the repo's openclaw)
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dir);
}

function chownEntries(dir: string, uid: number) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    try {
      lchownSync(join(dir, name), uid, uid);
    } catch {
      /* removed meanwhile */
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
