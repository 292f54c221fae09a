/**
 * The gateway's compile cache on the local runtime (docs/cold-start.md), with real gateways and
 * LOCAL_COMPILE_CACHE=warm: the data root's warmed cache is built once and copied into a new instance, the gateway gets
 * NODE_COMPILE_CACHE on its own state dir, writes its own entries there when it stops, and the
 * next start reuses them (a reused entry is not written again). Three gateway starts: the
 * warm-up, the create and one restart. Behaviour only; the time saved is bench/cold-start.bench.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@clawbox/shared";
import { loadConfig } from "../src/config.ts";
import { LocalRuntime } from "../src/runtime/local/index.ts";
import { WhatsAppSeed } from "../src/runtime/local/whatsapp-seed.ts";
import { freePortBase } from "../../../test/support/ports.ts";
import { poll, untilRunning } from "./harness.ts";

const USER = "compile-cache";
let dataDir: string;
let runtime: LocalRuntime;

/** Every file below dir with its mtime. */
function files(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(join(e.parentPath, e.name), statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return out;
}

/** Node's per-version cache dirs (v24.x-x64-<flags hash>-<uid>), relative to the cache root. */
function cacheDirs(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory() && /^v\d+\./.test(e.name))
    .map((e) => join(e.parentPath, e.name).slice(root.length))
    .sort();
}

const running = () => untilRunning(runtime, USER);

/** The environment of the instance's gateway process itself (node ... gateway run), read as root. */
function gatewayProcessEnv(): Record<string, string> {
  for (const pid of runtime.processes(USER)!.pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("openclaw") || !cmd.includes("gateway")) continue;
      return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    } catch {
      /* gone */
    }
  }
  throw new Error("no gateway process found");
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "clawbox-compile-cache-"));
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: "test-manager-key-compile-cache",
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(await freePortBase(1)),
    LOCAL_STOP_GRACE_MS: "15000",
    CLAWBOX_DESKTOP: "off",
    LOCAL_COMPILE_CACHE: "warm",
  });
  runtime = new LocalRuntime({ config, logger: createLogger("compile-cache-int", { level: "warn" }) });
  await runtime.start();
});

afterAll(async () => {
  await runtime?.delete(USER, { preservePvc: false });
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
});

describe("compile cache on the local runtime", () => {
  it("starts a new instance warm, keeps its own cache on its state dir and reuses it", async () => {
    const seed = new WhatsAppSeed(dataDir, { compileCache: true }).compileCache!;
    await poll("warmed compile cache", async () => seed.ready || undefined, 600_000, 1000);
    const warmed = files(seed.cacheDir);
    expect([...warmed.keys()].some((f) => f.includes("/openclaw/"))).toBe(true);

    await runtime.create({ userId: USER });
    await running();
    const cacheDir = runtime.layout(USER)!.compileCacheDir;
    expect(cacheDir.startsWith(join(dataDir, "instances", USER, "state") + "/")).toBe(true);
    // The env reaches the gateway process itself, through the sandbox and the entrypoint.
    const env = gatewayProcessEnv();
    expect(env.NODE_COMPILE_CACHE?.startsWith(cacheDir)).toBe(true);
    expect(env.NODE_DISABLE_COMPILE_CACHE).toBeUndefined();
    // A new instance starts with the warmed copy.
    expect(files(cacheDir).size).toBeGreaterThanOrEqual(warmed.size);

    // A clean stop writes what this gateway compiled beyond the copy (its WhatsApp plugin, ...).
    await runtime.restart(USER);
    await running();
    const afterFirst = files(cacheDir);
    expect(afterFirst.size).toBeGreaterThan(warmed.size);
    // ...into the warmed cache's own dirs (Node keys them by its version and V8 flags): the copy fits.
    expect(cacheDirs(cacheDir)).toEqual(cacheDirs(seed.cacheDir));

    // The second run reuses those entries: Node rewrites only entries it had to compile again.
    await runtime.delete(USER, { preservePvc: true });
    const afterSecond = files(cacheDir);
    const untouched = [...afterFirst].filter(([f, mtime]) => afterSecond.get(f) === mtime).length;
    expect(untouched / afterFirst.size).toBeGreaterThan(0.5);
  }, 900_000);
});
