import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, processTree, readProc } from "@clawbox/shared/proc";
import { LOG_FILE_MODE } from "@clawbox/shared/logger";

/**
 * Starting and stopping the processes of one instance. Each is started detached as its own
 * process group (so a stop reaches Xvfb, x11vnc, websockify and Chromium too) and recorded in
 * a pid file as {pid, startTime} so a restarted Manager can re-adopt it.
 */
export interface PidRecord {
  pid: number;
  startTime: number;
  startedAt: string;
}

export function spawnLogged(opts: {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  pidFile: string;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}): PidRecord {
  mkdirSync(join(opts.pidFile, ".."), { recursive: true });
  // Owner-only (the one log-file mode): the gateway and agent print user data. chmod covers
  // files created by an older version with the default 0644.
  const fd = openSync(opts.logFile, "a", LOG_FILE_MODE);
  chmodSync(opts.logFile, LOG_FILE_MODE);
  try {
    const child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${opts.command}`);
    child.on("exit", (code, signal) => opts.onExit?.(code, signal));
    child.on("error", () => opts.onExit?.(null, null));
    child.unref();
    const rec: PidRecord = { pid: child.pid, startTime: readProc(child.pid)?.startTime ?? 0, startedAt: new Date().toISOString() };
    writeFileSync(opts.pidFile, JSON.stringify(rec));
    return rec;
  } finally {
    closeSync(fd);
  }
}

export function readPidFile(file: string): PidRecord | null {
  try {
    const rec = JSON.parse(readFileSync(file, "utf8")) as PidRecord;
    return typeof rec.pid === "number" ? rec : null;
  } catch {
    return null;
  }
}

export function pidAlive(rec: PidRecord | null | undefined): boolean {
  return !!rec && isAlive(rec.pid, rec.startTime || undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to the process group and every descendant, then SIGKILL whatever is left after
 * `graceMs` (a gateway with a stuck channel was seen taking 5+ minutes to exit).
 */
export async function stopTree(rec: PidRecord | null, graceMs: number): Promise<{ killed: boolean }> {
  if (!rec) return { killed: false };
  // The root may be gone while its group lives on (e.g. the gateway's server process after its
  // launcher died): the group is still ours, so it is stopped too.
  if (!pidAlive(rec) && processTree(rec.pid).length === 0) return { killed: false };
  const signalAll = (sig: NodeJS.Signals) => {
    const pids = processTree(rec.pid);
    try {
      process.kill(-rec.pid, sig);
    } catch {
      /* group already gone */
    }
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
    return pids;
  };
  let remaining = signalAll("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    remaining = remaining.filter((pid) => isAlive(pid));
    if (remaining.length === 0) return { killed: false };
    await sleep(100);
  }
  signalAll("SIGKILL");
  for (const pid of remaining) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  return { killed: true };
}

export function removePidFile(file: string) {
  rmSync(file, { force: true });
}
