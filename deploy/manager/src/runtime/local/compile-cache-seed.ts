import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildGatewayConfig } from "@clawbox/shared";
import { freePort } from "@clawbox/shared/free-port";
import { baseEnv } from "./process-env.ts";
import { SANDBOX_INNER_ID } from "./sandbox.ts";

/**
 * A warmed Node compile cache that every new instance starts with (docs/cold-start.md).
 *
 * Node writes a module's V8 code cache only when the process exits, so an instance's first start
 * always compiles every module it loads. OpenClaw's own modules sit at the same path for every
 * instance (the repo's node_modules, bound read-only at its own path in the sandbox), so one
 * warm-up gateway per data root, run once after the WhatsApp seed, compiles them for all. Its
 * throwaway state (device identity, sessions, tokens) is deleted: only the code cache is kept,
 * and each instance gets its own copy (a shared writable cache would let one instance hand
 * another compiled code). Node files the cache under a dir named after the uid that wrote it
 * (v24.x-x64-<flags>-<uid>), so the warm-up runs as the uid the gateways see: 1000 in the
 * sandbox (in a user namespace of its own, as bwrap gives the instances), else the Manager's.
 */
export class CompileCacheSeed {
  /** The cache tree, laid out as NODE_COMPILE_CACHE (OpenClaw adds openclaw/<version>/<install>). */
  readonly cacheDir: string;
  private readonly dir: string;
  private building: Promise<boolean> | undefined;

  private readonly sandboxed: boolean;

  constructor(seedDir: string, opts: { sandboxed: boolean }) {
    this.dir = join(seedDir, "compile-cache");
    this.cacheDir = join(this.dir, "cache");
    this.sandboxed = opts.sandboxed;
  }

  get ready(): boolean {
    return existsSync(join(this.dir, "READY"));
  }

  /** Runs the warm-up gateway once (about one gateway start); resolves false if it fails. */
  ensure(openclawEntry: string, log: (msg: string) => void): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    this.building ??= this.build(openclawEntry, log).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** Copies the warmed cache into a new instance's cache dir; never over an existing one. */
  copyTo(instanceCacheDir: string): boolean {
    if (!this.ready || existsSync(instanceCacheDir)) return false;
    cpSync(this.cacheDir, instanceCacheDir, { recursive: true });
    return true;
  }

  private async build(openclawEntry: string, log: (msg: string) => void): Promise<boolean> {
    rmSync(this.dir, { recursive: true, force: true });
    const work = join(this.dir, "work");
    for (const d of ["state", "home", "tmp"]) mkdirSync(join(work, d), { recursive: true });
    const port = await freePort();
    // The instances' own config (minus WhatsApp, which is not installed here), so the same modules load.
    const config = buildGatewayConfig({ port, logFile: join(work, "openclaw.log"), browser: { headless: true, noSandbox: true }, whatsapp: false });
    writeFileSync(join(work, "state", "openclaw.json"), JSON.stringify(config), { mode: 0o600 });
    // An allowlist, never the Manager's env (it holds the Manager API key); the host-skip flags of
    // the entrypoint, plus no channels: nothing here talks to anyone.
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      HOME: join(work, "home"),
      TMPDIR: join(work, "tmp"),
      OPENCLAW_STATE_DIR: join(work, "state"),
      OPENCLAW_CONFIG_PATH: join(work, "state", "openclaw.json"),
      OPENCLAW_GATEWAY_TOKEN: randomBytes(24).toString("base64url"),
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_NO_RESPAWN: "1",
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_OFFLINE: "1",
      OPENCLAW_SKIP_CHANNELS: "1",
      NODE_COMPILE_CACHE: this.cacheDir,
    };
    log("warming the gateway compile cache for new instances");
    const out = openSync(join(this.dir, "warm-up.log"), "a", 0o600);
    const gateway = [process.execPath, openclawEntry, "gateway", "run", "--allow-unconfigured", "--bind", "loopback", "--port", String(port), "--auth", "token"];
    const id = String(SANDBOX_INNER_ID);
    // unshare execs the gateway itself (no intermediate process), so signals reach it directly.
    const command = this.sandboxed ? ["unshare", "--user", `--map-user=${id}`, `--map-group=${id}`, "--", ...gateway] : gateway;
    // Its own process group: whatever it leaves behind is stopped with it.
    const child = spawn(command[0]!, command.slice(1), { env, cwd: work, stdio: ["ignore", out, out], detached: true });
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* gone */
      }
    };
    closeSync(out);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + 5 * 60_000;
    let started = false;
    while (!gone && !started && Date.now() < deadline) {
      started = await startupz(port);
      if (!started) await sleep(250);
    }
    // A clean exit is what writes the cache (Node flushes it at exit). One SIGTERM to the launcher,
    // which forwards it to the gateway, as the entrypoint's does; the group only for leftovers.
    child.kill("SIGTERM");
    const kill = setTimeout(() => signalGroup("SIGKILL"), 60_000);
    const code = await exited;
    clearTimeout(kill);
    signalGroup("SIGKILL");
    rmSync(work, { recursive: true, force: true });
    if (!started || code !== 0 || !existsSync(this.cacheDir)) {
      log(`compile cache warm-up failed (started ${started}, exit ${code}); new instances start with an empty cache (see ${join(this.dir, "warm-up.log")})`);
      return false;
    }
    writeFileSync(join(this.dir, "READY"), new Date().toISOString());
    log("gateway compile cache ready");
    return true;
  }
}

async function startupz(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/startupz`, { signal: AbortSignal.timeout(1500) });
    const body = (await r.json()) as { ok?: boolean; status?: string };
    return r.status === 200 && body.ok === true && body.status === "started";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
