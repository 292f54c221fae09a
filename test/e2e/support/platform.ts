import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as egressStandin from "../../standins/egress-standin.ts";

const REPO_ROOT = join(import.meta.dirname, "../../..");

/**
 * The real platform, started exactly as a user does (`node scripts/start.ts`), on test ports, with
 * the egress stand-in as its assistants' proxy (CLAWBOX_INSTANCE_PROXY): what they try to reach
 * outside this machine is refused on loopback and recorded, never sent.
 */
export interface StartedPlatform {
  appUrl: string;
  apiUrl: string;
  dataDir: string;
  egress: egressStandin.EgressStandin;
  output: string[];
  process: ChildProcess;
  stop(): Promise<number | null>;
}

export async function startPlatformProcess(extraEnv: Record<string, string>, timeoutMs = 300_000): Promise<StartedPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), "clawbox-e2e-"));
  const egress = await egressStandin.start();
  const env = {
    ...process.env,
    NODE_ENV: "development",
    CLAWBOX_DATA_DIR: dataDir,
    CLAWBOX_INSTANCE_PROXY: egress.url,
    CLAWBOX_SKIP_SYSTEM_PACKAGES: "1", // scripts/prepare-test.ts installed them
    ...extraEnv,
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, "scripts/start.ts")], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const ready = new Promise<{ appUrl: string; apiUrl: string }>((resolve, reject) => {
    let appUrl = "";
    const onLine = (line: string) => {
      output.push(line);
      if (process.env.CLAWBOX_E2E_VERBOSE) process.stdout.write(line + "\n");
      const app = line.match(/^\s+App:\s+(http\S+)/);
      if (app) appUrl = app[1]!;
      const api = line.match(/^\s+App API:\s+(http\S+)/);
      if (api && appUrl) resolve({ appUrl, apiUrl: api[1]! });
    };
    createInterface({ input: child.stdout! }).on("line", onLine);
    createInterface({ input: child.stderr! }).on("line", onLine);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${output.slice(-40).join("\n")}`)));
    setTimeout(() => reject(new Error(`npm start not ready in ${timeoutMs / 1000} s:\n${output.slice(-40).join("\n")}`)), timeoutMs).unref();
  });
  try {
    const urls = await ready;
    return {
      ...urls,
      dataDir,
      egress,
      output,
      process: child,
      stop: async () => {
        if (child.exitCode === null) child.kill("SIGTERM");
        const code = await exited;
        await egress.stop();
        return code;
      },
    };
  } catch (err) {
    child.kill("SIGTERM");
    await exited;
    await egress.stop();
    throw err;
  }
}

/**
 * Stops the platform and keeps what a failed run needs, in test-results/<name>-logs: npm start's
 * output and each instance's process logs (not their state). Then removes its data dir.
 */
export async function stopAndKeepLogs(platform: StartedPlatform, name: string): Promise<void> {
  if (platform.process.exitCode === null) await platform.stop();
  const logs = `test-results/${name}-logs`;
  rmSync(logs, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  writeFileSync(`${logs}/npm-start.log`, platform.output.join("\n"));
  const instances = `${platform.dataDir}/instances`;
  if (existsSync(instances)) cpSync(instances, `${logs}/instances`, { recursive: true, filter: (src) => !src.includes("/state") && !src.includes("/home") });
  rmSync(platform.dataDir, { recursive: true, force: true });
}
