import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, readProc } from "@clawbox/shared/proc";
import { LOG_FILE_MODE } from "@clawbox/shared/logger";

/**
 * Starting the processes of one instance. Each is started detached (its own process group, so it
 * survives a Manager restart) and recorded in a pid file as {pid, startTime} so a restarted
 * Manager can re-adopt it. Stopping is launcher.ts's job (by pid, from the instance's cgroup).
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

export function removePidFile(file: string) {
  rmSync(file, { force: true });
}
