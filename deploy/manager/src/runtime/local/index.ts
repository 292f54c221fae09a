import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertUserId,
  buildGatewayConfig,
  checkModelSettings,
  conflict,
  deriveInstanceToken,
  type CreateInstanceInput,
  type DeleteInstanceResult,
  type InstanceEndpoint,
  type InstancePhase,
  type InstanceRuntime,
  type InstanceStatus,
  type Logger,
  MODEL_KEY_ENV,
  type ModelSettings,
  type ProviderBaseUrls,
} from "@clawbox/shared";
import { detectDesktop, type DesktopSupport } from "./desktop.ts";
import { instanceLayout, maxIndex, type InstanceLayout } from "./layout.ts";
import { tailLines } from "./logs.ts";
import { pidAlive, readPidFile, removePidFile, spawnLogged, stopTree, type PidRecord } from "./processes.ts";
import { processTree, readProc, rssBytes } from "@clawbox/shared/proc";
import { toInstanceStatus } from "./status.ts";
import { listRecordFiles, readRecord, readSecrets, removeSecrets, writeRecord, writeSecrets, type InstanceRecord } from "./store.ts";
import { openclawEntry, WhatsAppSeed } from "./whatsapp-seed.ts";
import { buildAgent } from "../../../../agent/build.ts";

/**
 * The local runtime (OPENCLAW_RUNTIME=local, the default): every instance is a set of processes
 * on this machine, started through the same deploy/scripts/gke-entrypoint.sh as the image
 * (Xvfb, x11vnc, websockify, the gateway on Node 24) plus its pod agent as a separate process,
 * like the sidecar. State lives under CLAWBOX_DATA_DIR/instances/<userId>/ (the PVC's
 * counterpart) and survives a delete unless preservePvc=false. A restarted Manager re-adopts
 * live processes (pid files + /proc start times) and restarts the ones that should run.
 */
export interface LocalRuntimeOptions {
  dataDir: string;
  portBase: number;
  tokenSecret: string;
  logger: Logger;
  /** SIGTERM -> SIGKILL grace (LOCAL_STOP_GRACE_MS, default 30 s). */
  stopGraceMs?: number;
  /** "off" disables the live browser view even when the packages are installed. */
  desktop?: "auto" | "off";
  pollIntervalMs?: number;
  /** Operator settings every gateway gets (the Manager's config.gateway). */
  gateway?: { telegramApiRoot?: string; providerBaseUrls: ProviderBaseUrls };
}

const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
export const ENTRYPOINT = join(REPO_ROOT, "deploy/scripts/gke-entrypoint.sh");
/** The agent runs as plain JS built from deploy/agent/src (saves the ~25 MB type-stripping costs). */
let agentMain: string | undefined;
function builtAgent(): string {
  agentMain ??= buildAgent();
  return agentMain;
}
/** Env passed through from the Manager to instance processes (nothing else leaks, e.g. no API key). */
const PASS_ENV = ["LANG", "LC_ALL", "TZ", "NODE_EXTRA_CA_CERTS", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

interface Live {
  record: InstanceRecord;
  layout: InstanceLayout;
  phase: InstancePhase;
  message?: string;
  startedAt?: string;
  exitCode?: number;
  finishedAt?: string;
  gateway?: PidRecord;
  agent?: PidRecord;
  agentRespawnAt?: number;
  /** Bumped on every (re)start so exit events of an older process set are ignored. */
  generation: number;
  busy?: Promise<unknown>;
}

export class LocalRuntime implements InstanceRuntime {
  readonly kind = "local" as const;
  private readonly opts: LocalRuntimeOptions;
  private readonly log: Logger;
  private readonly live = new Map<string, Live>();
  private readonly seed: WhatsAppSeed;
  private readonly desktop: DesktopSupport;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  /** Takes its options directly, or the Manager's {config, logger} as createRuntime passes them. */
  constructor(init: LocalRuntimeOptions | ManagerRuntimeInit) {
    const opts = "config" in init ? optionsFromConfig(init.config, init.logger) : init;
    this.opts = opts;
    this.log = opts.logger;
    this.seed = new WhatsAppSeed(opts.dataDir);
    this.desktop = opts.desktop === "off" ? { available: false, reason: "live browser view disabled (CLAWBOX_DESKTOP=off)" } : detectDesktop();
  }

  async start(): Promise<void> {
    mkdirSync(join(this.opts.dataDir, "instances"), { recursive: true });
    this.claimDataDir();
    builtAgent();
    if (!this.desktop.available) this.log.warn({ reason: this.desktop.reason }, "local runtime: no live browser view");
    this.seed.ensure((m) => this.log.info(m)).catch(() => undefined);
    for (const file of listRecordFiles(this.opts.dataDir)) {
      const record = readRecord(file);
      if (!record || record.deletedAt) continue;
      const layout = this.layoutOf(record);
      const l: Live = { record, layout, phase: "starting", generation: 0 };
      l.gateway = readPidFile(join(layout.runDir, "entrypoint.pid")) ?? undefined;
      l.agent = readPidFile(join(layout.runDir, "agent.pid")) ?? undefined;
      this.live.set(record.userId, l);
      if (pidAlive(l.gateway)) {
        l.startedAt = l.gateway!.startedAt;
        this.log.info({ userId: record.userId, pid: l.gateway!.pid }, "re-adopted running instance");
        if (!pidAlive(l.agent)) this.spawnAgent(l);
      } else {
        this.log.info({ userId: record.userId }, "restarting instance that should run");
        await this.stopProcesses(l);
        this.boot(l);
      }
    }
    this.timer = setInterval(() => void this.poll(), this.opts.pollIntervalMs ?? 500);
    this.timer.unref();
  }

  /** Stops watching; instances keep running and are re-adopted by the next start(). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async create(input: CreateInstanceInput): Promise<{ created: boolean; status: InstanceStatus }> {
    assertUserId(input.userId);
    const userId = input.userId;
    const existing = this.live.get(userId);
    if (existing?.busy) await existing.busy.catch(() => undefined);
    const current = this.live.get(userId);
    const secrets = input.secrets ?? {};
    const model = input.model ? checkModelSettings(input.model, "model") : undefined;
    if (current) {
      const secretsChanged = JSON.stringify(sorted(readSecrets(current.layout.secretsFile))) !== JSON.stringify(sorted(secrets));
      if (secretsChanged) writeSecrets(current.layout.secretsFile, secrets);
      const modelChanged = this.storeModel(current, model ?? null);
      if (secretsChanged || modelChanged || current.phase === "error") {
        // Same as a new ReplicaSet in Kubernetes: restart with the existing state.
        current.record.restartCount++;
        writeRecord(current.layout.recordFile, current.record);
        current.busy = this.relaunch(current);
      }
      return { created: false, status: this.statusOf(current) };
    }
    const previous = readRecord(join(this.opts.dataDir, "instances", userId, "instance.json"));
    const record: InstanceRecord = {
      userId,
      index: this.allocateIndex(previous?.index),
      createdAt: new Date().toISOString(),
      restartCount: 0,
      ...(input.imageTag ? { imageTag: input.imageTag } : {}),
    };
    const layout = this.layoutOf(record);
    for (const d of [layout.dir, layout.stateDir, layout.homeDir, layout.logsDir, layout.runDir]) mkdirSync(d, { recursive: true });
    writeSecrets(layout.secretsFile, secrets);
    const l: Live = { record, layout, phase: "pending", generation: 0 };
    this.storeModel(l, model ?? null);
    writeRecord(layout.recordFile, record);
    this.live.set(userId, l);
    l.busy = this.boot(l);
    return { created: true, status: this.statusOf(l) };
  }

  /** A model change restarts the processes with the new seed config and key; state is kept. */
  async setModel(userId: string, model: ModelSettings | null): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const l = this.live.get(userId);
    if (!l) return null;
    const checked = model ? checkModelSettings(model) : null;
    if (l.busy) await l.busy.catch(() => undefined);
    if (this.storeModel(l, checked)) {
      l.record.restartCount++;
      writeRecord(l.layout.recordFile, l.record);
      l.busy = this.relaunch(l);
      this.log.info({ userId, provider: checked?.provider ?? null }, "instance model changed; restarting with it");
    }
    return this.statusOf(l);
  }

  /** A process restart that keeps the state dir (data, channels), like a rollout restart. */
  async restart(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const l = this.live.get(userId);
    if (!l) return null;
    if (l.busy) await l.busy.catch(() => undefined);
    l.record.restartCount++;
    writeRecord(l.layout.recordFile, l.record);
    l.busy = this.relaunch(l);
    this.log.info({ userId }, "instance restarting");
    return this.statusOf(l);
  }

  /** Writes the model (record) and its key (model-secret.json); true when either changed. */
  private storeModel(l: Live, model: ModelSettings | null): boolean {
    const view = model ? { provider: model.provider, model: model.model, ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}), hasApiKey: !!model.apiKey } : undefined;
    const keys = model?.apiKey ? { [MODEL_KEY_ENV[model.provider]]: model.apiKey } : {};
    const changed =
      JSON.stringify(view ?? null) !== JSON.stringify(l.record.model ?? null) ||
      JSON.stringify(sorted(readSecrets(l.layout.modelSecretFile))) !== JSON.stringify(sorted(keys));
    if (!changed) return false;
    writeSecrets(l.layout.modelSecretFile, keys);
    if (view) l.record.model = view;
    else delete l.record.model;
    writeRecord(l.layout.recordFile, l.record);
    return true;
  }

  async get(userId: string): Promise<InstanceStatus | null> {
    const l = this.live.get(userId);
    return l ? this.statusOf(l) : null;
  }

  async list(): Promise<InstanceStatus[]> {
    return [...this.live.values()].sort((a, b) => a.record.userId.localeCompare(b.record.userId)).map((l) => this.statusOf(l));
  }

  async delete(userId: string, options: { preservePvc: boolean }): Promise<DeleteInstanceResult | null> {
    const l = this.live.get(userId);
    if (!l) {
      if (!options.preservePvc) {
        // Data of an instance deleted earlier with its data kept: purge it now.
        const dir = join(this.opts.dataDir, "instances", userId);
        if (existsSync(dir)) {
          rmSync(dir, { recursive: true, force: true });
          return { userId, deleted: true, pvcPreserved: false };
        }
      }
      return null;
    }
    if (l.busy) await l.busy.catch(() => undefined);
    this.live.delete(userId);
    l.generation++;
    await this.stopProcesses(l);
    removeSecrets(l.layout.secretsFile);
    removeSecrets(l.layout.modelSecretFile);
    if (options.preservePvc) {
      writeRecord(l.layout.recordFile, { ...l.record, deletedAt: new Date().toISOString() });
    } else {
      rmSync(l.layout.dir, { recursive: true, force: true });
    }
    rmSync(l.layout.tmpDir, { recursive: true, force: true });
    this.log.info({ userId, pvcPreserved: options.preservePvc }, "instance deleted");
    return { userId, deleted: true, pvcPreserved: options.preservePvc };
  }

  async endpoint(userId: string): Promise<InstanceEndpoint | null> {
    const l = this.live.get(userId);
    if (!l) return null;
    const ep: InstanceEndpoint = {
      agentUrl: `http://127.0.0.1:${l.layout.ports.agent}`,
      agentToken: deriveInstanceToken(this.opts.tokenSecret, "agent", userId),
    };
    if (this.desktop.available) ep.vncUrl = `ws://127.0.0.1:${l.layout.ports.websockify}/websockify`;
    return ep;
  }

  /** Pids and resident memory of an instance's processes (benchmarks, tests, diagnostics). */
  processes(userId: string): { gatewayPid?: number; agentPid?: number; pids: number[]; rssBytes: number; agentRssBytes: number } | null {
    const l = this.live.get(userId);
    if (!l) return null;
    const pids = [
      ...(pidAlive(l.gateway) ? processTree(l.gateway!.pid) : []),
      ...(pidAlive(l.agent) ? processTree(l.agent!.pid) : []),
    ];
    const agentPids = pidAlive(l.agent) ? processTree(l.agent!.pid) : [];
    return {
      gatewayPid: pidAlive(l.gateway) ? l.gateway!.pid : undefined,
      agentPid: pidAlive(l.agent) ? l.agent!.pid : undefined,
      pids,
      rssBytes: pids.reduce((s, p) => s + rssBytes(p), 0),
      agentRssBytes: agentPids.reduce((s, p) => s + rssBytes(p), 0),
    };
  }

  /** The instance's port block and paths (tests and benchmarks talk to the gateway directly). */
  layout(userId: string): InstanceLayout | null {
    return this.live.get(userId)?.layout ?? null;
  }

  // --- internals -------------------------------------------------------------------------------

  /**
   * One Manager per data root: two would both "repair" the same instances (respawning each
   * other's agents on a taken port). The owner is recorded as {pid, startTime}; a dead owner's
   * claim is taken over (that is a Manager restart), a live other process is refused.
   */
  private claimDataDir() {
    const file = join(this.opts.dataDir, "manager.pid");
    const owner = readPidFile(file);
    if (owner && owner.pid !== process.pid && pidAlive(owner)) {
      throw new Error(`data dir ${this.opts.dataDir} is in use by another Manager (pid ${owner.pid}); stop it or set CLAWBOX_DATA_DIR`);
    }
    writeFileSync(file, JSON.stringify({ pid: process.pid, startTime: readProc(process.pid)?.startTime ?? 0, startedAt: new Date().toISOString() }));
  }

  private layoutOf(record: InstanceRecord): InstanceLayout {
    return instanceLayout(this.opts.dataDir, record.userId, record.index, this.opts.portBase);
  }

  private allocateIndex(preferred?: number): number {
    const used = new Set([...this.live.values()].map((l) => l.record.index));
    if (preferred !== undefined && !used.has(preferred)) return preferred;
    // Blocks of instances deleted with their data kept stay reserved for their re-create.
    for (const f of listRecordFiles(this.opts.dataDir)) {
      const r = readRecord(f);
      if (r) used.add(r.index);
    }
    for (let i = 0; i <= maxIndex(this.opts.portBase); i++) if (!used.has(i)) return i;
    throw conflict("no free port block left for another local instance (raise LOCAL_PORT_BASE headroom or delete instances)");
  }

  private statusOf(l: Live): InstanceStatus {
    return toInstanceStatus({
      userId: l.record.userId,
      phase: l.phase,
      createdAt: l.record.createdAt,
      startedAt: l.startedAt,
      message: l.message,
      exitCode: l.exitCode,
      finishedAt: l.finishedAt,
      restartCount: l.record.restartCount,
      vnc: this.desktop.available ? { available: true } : { available: false, reason: this.desktop.reason },
    });
  }

  private async relaunch(l: Live): Promise<void> {
    // At once, not after the stop: a status read right after the change must not say "running"
    // about the processes that are about to go.
    l.phase = "pending";
    l.generation++;
    await this.stopProcesses(l);
    await this.boot(l);
  }

  /** Seeds state and config if this is a fresh state dir, then starts the entrypoint and agent. */
  private async boot(l: Live): Promise<void> {
    const gen = ++l.generation;
    l.phase = "pending";
    l.message = undefined;
    l.exitCode = undefined;
    l.finishedAt = undefined;
    const { layout } = l;
    try {
      for (const d of [layout.stateDir, layout.homeDir, layout.logsDir, layout.runDir]) mkdirSync(d, { recursive: true });
      if (!existsSync(layout.configFile)) {
        // Preinstalled WhatsApp: wait for the one-time seed build if it is running now.
        if (await withTimeout(this.seed.ensure((m) => this.log.info(m)), 180_000, false)) this.seed.applyTo(layout.stateDir);
      }
      const config = buildGatewayConfig({
        port: layout.ports.gateway,
        logFile: layout.openclawLog,
        browser: {
          headless: !this.desktop.available,
          noSandbox: process.getuid?.() === 0, // Chromium refuses its sandbox as root
          ...(this.desktop.chromium ? { executablePath: this.desktop.chromium } : {}),
        },
        whatsapp: existsSync(join(layout.stateDir, "npm")),
        ...(l.record.model ? { model: l.record.model } : {}),
        providerBaseUrls: this.opts.gateway?.providerBaseUrls,
        telegramApiRoot: this.opts.gateway?.telegramApiRoot,
      });
      // Written on every boot, like the ConfigMap on every apply: the entrypoint seeds the config
      // from it when missing and otherwise re-applies the keys the platform owns (the model...).
      writeFileSync(layout.configSeedFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      if (gen !== l.generation || !this.live.has(l.record.userId)) return;
      this.spawnGateway(l, gen);
      this.spawnAgent(l);
      l.phase = "starting";
    } catch (e) {
      l.phase = "error";
      l.message = `could not start the instance: ${(e as Error).message}`;
      this.log.error({ userId: l.record.userId, err: (e as Error).message }, "instance start failed");
    }
  }

  private baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      // Node 24 (the Manager's own binary) first, so `node` in the entrypoint is the right one.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`,
    };
    for (const k of PASS_ENV) if (process.env[k]) env[k] = process.env[k];
    return env;
  }

  private spawnGateway(l: Live, gen: number) {
    const { layout, record } = l;
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(),
      ...readSecrets(layout.secretsFile),
      ...readSecrets(layout.modelSecretFile),
      OPENCLAW_STATE_DIR: layout.stateDir,
      OPENCLAW_CONFIG_PATH: layout.configFile,
      OPENCLAW_CONFIG_SEED: layout.configSeedFile,
      OPENCLAW_STATE_SEED: "",
      CLAWBOX_HOME: layout.homeDir,
      CLAWBOX_TMPDIR: layout.tmpDir,
      CLAWBOX_LOG_DIR: layout.logsDir,
      OPENCLAW_GATEWAY_PORT: String(layout.ports.gateway),
      OPENCLAW_GATEWAY_TOKEN: deriveInstanceToken(this.opts.tokenSecret, "gateway", record.userId),
      OPENCLAW_ENTRY: openclawEntry(),
      NODE_BIN: process.execPath,
      CLAWBOX_DESKTOP: this.desktop.available ? "auto" : "off",
      CLAWBOX_DISPLAY: layout.display,
      VNC_PORT: String(layout.ports.vnc),
      NOVNC_PORT: String(layout.ports.websockify),
      NOVNC_BIND: "127.0.0.1",
    };
    l.gateway = spawnLogged({
      command: "/bin/sh",
      args: [ENTRYPOINT],
      env,
      cwd: layout.dir,
      logFile: layout.gatewayLog,
      pidFile: join(layout.runDir, "entrypoint.pid"),
      onExit: (code, signal) => {
        if (gen !== l.generation) return;
        l.exitCode = code ?? (signal ? 128 : undefined);
        this.markExited(l);
      },
    });
    l.startedAt = l.gateway.startedAt;
  }

  private spawnAgent(l: Live) {
    const { layout, record } = l;
    l.agent = spawnLogged({
      command: process.execPath,
      args: [builtAgent()],
      env: {
        ...this.baseEnv(),
        AGENT_PORT: String(layout.ports.agent),
        AGENT_HOST: "127.0.0.1",
        AGENT_TOKEN: deriveInstanceToken(this.opts.tokenSecret, "agent", record.userId),
        GATEWAY_URL: `ws://127.0.0.1:${layout.ports.gateway}`,
        OPENCLAW_GATEWAY_TOKEN: deriveInstanceToken(this.opts.tokenSecret, "gateway", record.userId),
        OPENCLAW_STATE_DIR: layout.stateDir,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      },
      cwd: layout.dir,
      logFile: layout.agentLog,
      pidFile: join(layout.runDir, "agent.pid"),
    });
  }

  private markExited(l: Live) {
    if (l.phase === "error") return;
    l.phase = "error";
    l.finishedAt = new Date().toISOString();
    l.message = tailLines(l.layout.gatewayLog, 15) || "gateway process exited";
    this.log.warn({ userId: l.record.userId, exitCode: l.exitCode }, "instance gateway exited");
    // Whatever is left of its process group (an orphaned gateway server would keep the port).
    void stopTree(l.gateway ?? null, 3000);
  }

  private async stopProcesses(l: Live) {
    const grace = this.opts.stopGraceMs ?? 30_000;
    await Promise.all([stopTree(l.gateway ?? null, grace), stopTree(l.agent ?? null, 5000)]);
    removePidFile(join(l.layout.runDir, "entrypoint.pid"));
    removePidFile(join(l.layout.runDir, "agent.pid"));
    l.gateway = undefined;
    l.agent = undefined;
  }

  /** Watches every instance: process deaths -> error, /startupz ok -> running, agent respawn. */
  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(
        [...this.live.values()].map(async (l) => {
          if (l.phase === "pending" || l.phase === "error") return;
          if (!pidAlive(l.gateway)) return this.markExited(l);
          if (!pidAlive(l.agent) && Date.now() - (l.agentRespawnAt ?? 0) > 5000) {
            // At most every 5 s: an agent that cannot start (e.g. its port is taken) must not spin.
            l.agentRespawnAt = Date.now();
            this.log.warn({ userId: l.record.userId, log: tailLines(l.layout.agentLog, 3) }, "agent died; restarting it");
            this.spawnAgent(l);
          }
          if (l.phase === "starting" && (await startupOk(l.layout.ports.agent))) {
            if (l.phase === "starting") {
              l.phase = "running";
              this.log.info({ userId: l.record.userId }, "instance running");
            }
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }
}

/** The probe the pod uses: GET /gateway/startupz on the agent, relayed to the gateway. */
async function startupOk(agentPort: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${agentPort}/gateway/startupz`, { signal: AbortSignal.timeout(1500) });
    if (r.status !== 200) return false;
    const body = (await r.json()) as { ok?: boolean; status?: string };
    return body.ok === true && body.status === "started";
  } catch {
    return false;
  }
}

function sorted(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}

/** What the Manager's createRuntime passes (src/runtime/index.ts). */
export interface ManagerRuntimeInit {
  config: { tokenSecret: string; gateway?: LocalRuntimeOptions["gateway"]; local: { dataDir: string; portBase: number; stopGraceMs?: number; desktop?: "auto" | "off" } };
  logger: Logger;
  metrics?: unknown;
}

function optionsFromConfig(config: ManagerRuntimeInit["config"], logger: Logger): LocalRuntimeOptions {
  return {
    dataDir: config.local.dataDir,
    portBase: config.local.portBase,
    tokenSecret: config.tokenSecret,
    logger,
    stopGraceMs: config.local.stopGraceMs,
    desktop: config.local.desktop,
    gateway: config.gateway,
  };
}
