import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { descendants } from "@clawbox/shared/proc";
import { stopInstanceCgroups, stopLeftovers } from "./process-tree.ts";

/**
 * Child services of `npm start`. Each runs in its own process group (detached), so stopping
 * it also stops whatever it spawned; output lines are prefixed with the service name.
 */
export interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const COLORS = ["\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[32m"];
let colorIndex = 0;

export function spawnService(name: string, command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Service {
  const color = process.stdout.isTTY ? COLORS[colorIndex++ % COLORS.length] : "";
  const reset = color ? "\x1b[0m" : "";
  const prefix = `${color}[${name}]${reset} `;
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(prefix + line + "\n"));
  }
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on("error", (err) => {
      process.stdout.write(`${prefix}failed to start: ${err.message}\n`);
      resolve(127);
    });
  });
  return { name, child, exited };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

/**
 * SIGTERM to each service's process group, then SIGKILL whatever is left after `graceMs`.
 * Processes the services started in groups of their own (the Manager's instance processes)
 * are snapshotted first and stopped after their parents are gone.
 */
export async function stopServices(services: Service[], graceMs = 30_000): Promise<void> {
  const running = services.filter((s) => s.child.pid !== undefined && s.child.exitCode === null && s.child.signalCode === null);
  const offspring = descendants(running.map((s) => s.child.pid!));
  for (const s of running) signalGroup(s.child.pid!, "SIGTERM");
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
  await Promise.all(
    running.map(async (s) => {
      if ((await Promise.race([s.exited, timeout])) === "timeout") signalGroup(s.child.pid!, "SIGKILL");
    }),
  );
  // Grandchildren that outlived their parent still belong to the group.
  for (const s of services) if (s.child.pid) signalGroup(s.child.pid, "SIGKILL");
  const stopped = (await stopLeftovers(offspring, graceMs)) + (await stopInstanceCgroups(graceMs));
  if (stopped > 0) process.stdout.write(`[start] stopped ${stopped} instance process(es) (they start again with the next npm start)\n`);
}

/** Polls an HTTP URL until it answers 2xx (or the service exits / time runs out). */
export async function waitForHttp(url: string, service: Service, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited before it was ready (see its log lines above)`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${service.name} did not answer ${url} within ${Math.round(timeoutMs / 1000)} s`);
}
