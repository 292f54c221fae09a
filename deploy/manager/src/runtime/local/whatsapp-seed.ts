import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CompileCacheSeed } from "./compile-cache-seed.ts";
import { baseEnv } from "./process-env.ts";

/**
 * The preinstalled, *trusted* WhatsApp plugin for local instances, with no npm install per
 * instance (measured choices, see gateway-desktop.md §1):
 * - (b) an offline CLI install per instance costs ~30 s per create (doubles create-to-running);
 * - (c) a gateway self-install on first boot costs ~25 s on the first boot;
 * - the seed recipe (a) costs one `cp` (~80 MB, ~1 s), but the install record holds absolute
 *   paths (installPath under the state dir). Locally each instance has its own state path, so
 *   after copying the seed we rewrite the seed's state path to the instance's in the install
 *   index (`config_machine_state` row `plugins.installedIndex` of state/openclaw.sqlite).
 *   Verified: `openclaw plugins inspect whatsapp --json` -> trust.reason "trusted-official",
 *   loaded from the instance's own copy. (A hard-linked copy is refused as an "unsafe plugin
 *   manifest path", so it is a real copy.)
 * The seed is built once per data root (needs the npm registry or a filled npm cache once);
 * creating an instance never touches the network. With LOCAL_COMPILE_CACHE=warm a warmed
 * compile cache is built next to it (compile-cache-seed.ts).
 */
export const WHATSAPP_SPEC = "@openclaw/whatsapp@2026.9.6";

const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

/** openclaw.mjs of the pinned package (deploy/gateway); OPENCLAW_ENTRY overrides. */
export function openclawEntry(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.OPENCLAW_ENTRY,
    join(REPO_ROOT, "deploy/gateway/node_modules/openclaw/openclaw.mjs"),
    join(REPO_ROOT, "node_modules/openclaw/openclaw.mjs"),
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`openclaw is not installed (looked in ${candidates.join(", ")}); run npm ci`);
  return found;
}

export class WhatsAppSeed {
  readonly dir: string;
  readonly stateDir: string;
  /** Only with LOCAL_COMPILE_CACHE=warm. */
  readonly compileCache: CompileCacheSeed | undefined;
  private building: Promise<boolean> | undefined;

  /** `sandboxed`: whether the instances run in the sandbox (their uid, which the compile cache is filed under). */
  constructor(dataDir: string, opts: { compileCache?: boolean; sandboxed?: boolean } = {}) {
    this.dir = join(dataDir, "seed", WHATSAPP_SPEC.replace(/[@/]/g, "_"));
    this.stateDir = join(this.dir, "state");
    this.compileCache = opts.compileCache ? new CompileCacheSeed(this.dir, { sandboxed: opts.sandboxed ?? true }) : undefined;
  }

  get ready(): boolean {
    return existsSync(join(this.dir, "READY"));
  }

  /** Builds the seed once (about 30-40 s); resolves false if it cannot be built. */
  ensure(log: (msg: string) => void): Promise<boolean> {
    if (this.ready) {
      this.warmCompileCache(log);
      return Promise.resolve(true);
    }
    this.building ??= this.build(log).finally(() => {
      this.building = undefined;
    });
    return this.building.then((ok) => {
      if (ok) this.warmCompileCache(log);
      return ok;
    });
  }

  /** In the background: a create never waits for it; one before it is ready starts with an empty cache. */
  private warmCompileCache(log: (msg: string) => void) {
    if (!this.compileCache || this.compileCache.ready) return;
    this.compileCache.ensure(openclawEntry(), log).catch((e: Error) => log(`compile cache warm-up failed: ${e.message}`));
  }

  private async build(log: (msg: string) => void): Promise<boolean> {
    // Built at its final path: the install record and the peer link are absolute.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, "home"), { recursive: true });
    mkdirSync(this.stateDir, { recursive: true });
    // An allowlist, never the Manager's env: it holds the Manager API key.
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      HOME: join(this.dir, "home"),
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: join(this.stateDir, "openclaw.json"),
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_NO_AUTO_UPDATE: "1",
    };
    // npm runs through OpenClaw with a reduced env; a TLS-intercepting proxy needs the system CAs.
    if (!env.NODE_EXTRA_CA_CERTS && existsSync("/etc/ssl/certs/ca-certificates.crt")) env.NODE_EXTRA_CA_CERTS = "/etc/ssl/certs/ca-certificates.crt";
    log(`building the WhatsApp plugin seed (${WHATSAPP_SPEC}) in ${this.dir}`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [openclawEntry(), "plugins", "install", `npm:${WHATSAPP_SPEC}`], { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 5 * 60_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        if (c !== 0) log(`WhatsApp seed build failed (exit ${c}): ${out.slice(-800)}`);
        resolve(c);
      });
    });
    if (code !== 0 || !existsSync(join(this.stateDir, "state", "openclaw.sqlite"))) return false;
    writeFileSync(join(this.dir, "READY"), new Date().toISOString()); // marks a finished seed
    log("WhatsApp plugin seed ready");
    return true;
  }

  /**
   * Copies the seed into a fresh instance state dir and points its install record at the copy.
   * Does nothing when the instance already has a state database (existing data is never touched).
   */
  applyTo(instanceStateDir: string): boolean {
    const db = join(instanceStateDir, "state", "openclaw.sqlite");
    if (!this.ready || existsSync(db)) return false;
    mkdirSync(join(instanceStateDir, "state"), { recursive: true });
    cpSync(join(this.stateDir, "npm"), join(instanceStateDir, "npm"), { recursive: true, verbatimSymlinks: true });
    cpSync(join(this.stateDir, "state", "openclaw.sqlite"), db);
    const sqlite = new DatabaseSync(db);
    try {
      // Diagnostics and config-health rows describe the seed's own config file; drop them.
      sqlite.exec("DELETE FROM diagnostic_events; DELETE FROM config_health_entries;");
      sqlite
        .prepare("UPDATE config_machine_state SET value_json = replace(value_json, ?, ?)")
        .run(`${this.stateDir}/`, `${instanceStateDir}/`);
    } finally {
      sqlite.close();
    }
    return true;
  }
}
