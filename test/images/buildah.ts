// buildah with a private store under the ClawBox cache (never the system's /var/lib/containers),
// runc as the OCI runtime (Debian's default, crun 1.8, fails on this cgroup v1 hybrid host with
// "cgroups in hybrid mode not supported") and never a registry pull.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { imagesCacheDir } from "./cache.ts";

export type Log = (line: string) => void;

export const RUNC = "/usr/sbin/runc";

function storeFlags(): string[] {
  const root = join(imagesCacheDir(), "buildah");
  mkdirSync(join(root, "storage"), { recursive: true });
  mkdirSync(join(root, "run"), { recursive: true });
  return ["--root", join(root, "storage"), "--runroot", join(root, "run"), "--storage-driver", "overlay"];
}

/** Runs buildah and returns its stdout; throws with stderr on failure. Quick commands only. */
export function buildah(args: string[]): string {
  const r = spawnSync("buildah", [...storeFlags(), ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`buildah ${args.join(" ")} failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/** A long buildah run (bud, add), niced, its output streamed to a log file and the last lines kept for errors. */
export function buildahLong(args: string[], opts: { cwd?: string; logFile: string; log: Log; label: string }): Promise<void> {
  return runLong("buildah", [...storeFlags(), ...args], opts);
}

export function runLong(cmd: string, args: string[], opts: { cwd?: string; logFile: string; log: Log; label: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("nice", ["-n", "10", cmd, ...args], {
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, BUILDAH_ISOLATION: "oci" },
    });
    let tail = "";
    let lastStep = "";
    // Each step is logged with the seconds since the build began, so a cold build says where it went.
    const t0 = Date.now();
    const out = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-6000);
      try {
        appendFileSync(opts.logFile, text);
      } catch {
        /* logging is best effort */
      }
      const step = text.match(/^(\[\d+\/\d+\] )?STEP \d+\/\d+: .*$/m)?.[0];
      if (step && step !== lastStep) {
        lastStep = step;
        opts.log(`${opts.label}: +${Math.round((Date.now() - t0) / 1000)}s ${step.slice(0, 160)}`);
      }
    };
    child.stdout.on("data", out);
    child.stderr.on("data", out);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.slice(0, 12).join(" ")} failed (exit ${code}); log ${opts.logFile}; last output:\n${tail}`));
    });
  });
}

