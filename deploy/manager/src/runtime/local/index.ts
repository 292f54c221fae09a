import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertUserId,
  checkModelSettings,
  deriveInstanceToken,
  type CreateInstanceInput,
  type DeleteInstanceResult,
  type InstanceEndpoint,
  type InstanceRuntime,
  type InstanceStatus,
  type Logger,
  MODEL_KEY_ENV,
  type ModelSettings,
  parseQuantity,
  type ProviderBaseUrls,
  type SleepFacts,
  type SleepPolicy,
} from "@clawbox/shared";
import { processTree, readProc, rssBytes } from "@clawbox/shared/proc";
import { buildAgent } from "../../../../agent/build.ts";
import { resolveResources } from "../../k8s/builders/spec.ts";
import { allocateIndex } from "./allocator.ts";
import { detectDesktop, type DesktopSupport } from "./desktop.ts";
import { writeGatewaySeed } from "./gateway-seed.ts";
import { Launcher } from "./launcher.ts";
import { instanceLayout, type InstanceLayout } from "./layout.ts";
import { agentEnv, gatewayEnv } from "./process-env.ts";
import { pidAlive, readPidFile } from "./processes.ts";
import { StartQueue } from "./start-queue.ts";
import { toInstanceStatus } from "./status.ts";
import { listRecordFiles, readRecord, readSecrets, removeSecrets, writeRecord, writeSecrets, type InstanceRecord } from "./store.ts";
import { InstanceSupervisor } from "./supervisor.ts";
import { openclawEntry, WhatsAppSeed } from "./whatsapp-seed.ts";

/**
 * The local runtime (OPENCLAW_RUNTIME=local, the default): every instance is a set of processes
 * on this machine, the pod's counterpart: the same deploy/scripts/gke-entrypoint.sh as the image
 * (Xvfb, x11vnc, websockify, the gateway on Node 24) plus its pod agent, each in the instance's
 * sandbox (launcher.ts), kept running by its supervisor (supervisor.ts). State lives under
 * CLAWBOX_DATA_DIR/instances/<userId>/ (the PVC's counterpart; store.ts, layout.ts) and survives
 * a delete unless preservePvc=false. A restarted Manager re-adopts live processes (pid files +
 * /proc start times) and starts the ones that should run.
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
  unsafeNoSandbox?: boolean;
  sandboxUidBase?: number;
  pidsLimit?: number;
  startConcurrency?: number;
  restartBackoffMs?: number;
  restartBackoffMaxMs?: number;
  /** LOCAL_COMPILE_CACHE (default "volume"): Node's compile cache on each state dir; "warm": also warmed from the seed. */
  compileCache?: "off" | "volume" | "warm";
  /** CLAWBOX_INSTANCE_PROXY: the proxy of every gateway's outbound traffic (process-env.ts). */
  instanceProxy?: string;
}

/** The agent runs as plain JS built from deploy/agent/src (saves the ~25 MB type-stripping costs). */
let agentMain: string | undefined;
function builtAgent(): string {
  agentMain ??= buildAgent();
  return agentMain;
}

export class LocalRuntime implements InstanceRuntime {
  readonly kind = "local" as const;
  private readonly opts: LocalRuntimeOptions;
  private readonly log: Logger;
  private readonly live = new Map<string, InstanceSupervisor>();
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly seed: WhatsAppSeed;
  private readonly desktop: DesktopSupport;
  private launcher!: Launcher;
  private queue!: StartQueue;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  /** Takes its options directly, or the Manager's {config, logger} as createRuntime passes them. */
  constructor(init: LocalRuntimeOptions | ManagerRuntimeInit) {
    const opts = "config" in init ? optionsFromConfig(init.config, init.logger) : init;
    this.opts = opts;
    this.log = opts.logger;
    // Without CLAWBOX_UNSAFE_NO_SANDBOX the Manager either sandboxes every instance or refuses to start.
    this.seed = new WhatsAppSeed(opts.dataDir, { compileCache: opts.compileCache === "warm", sandboxed: !opts.unsafeNoSandbox });
    this.desktop = opts.desktop === "off" ? { available: false, reason: "live browser view disabled (CLAWBOX_DESKTOP=off)" } : detectDesktop();
  }

  /** Whether instances run sandboxed (false only with CLAWBOX_UNSAFE_NO_SANDBOX=1). */
  get isolated(): boolean {
    return this.launcher?.isolated ?? false;
  }

  async start(): Promise<void> {
    mkdirSync(join(this.opts.dataDir, "instances"), { recursive: true });
    this.launcher = new Launcher({
      portBase: this.opts.portBase,
      uidBase: this.opts.sandboxUidBase ?? 2_000_000,
      pidsLimit: this.opts.pidsLimit ?? 4096,
      unsafeNoSandbox: this.opts.unsafeNoSandbox ?? false,
      logger: this.log,
    });
    this.queue = new StartQueue(this.opts.startConcurrency ?? 1);
    this.claimDataDir();
    builtAgent();
    if (!this.desktop.available) this.log.warn({ reason: this.desktop.reason }, "local runtime: no live browser view");
    this.seed.ensure((m) => this.log.info(m)).catch((e: Error) => this.log.warn({ err: e.message }, "WhatsApp seed build failed"));
    for (const file of listRecordFiles(this.opts.dataDir)) {
      const record = readRecord(file);
      if (!record || record.deletedAt) continue;
      const sup = this.supervise(record);
      sup.adopt();
    }
    this.schedulePoll();
  }

  /** Stops watching; instances keep running and are re-adopted by the next start(). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.live.values()) s.detach();
  }

  /** Stops every instance (by pid) and removes this Manager's port rules: the platform's Ctrl-C. */
  async stopAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.live.values()].map((s) => s.stop()));
    // No empty cgroups or port rules left behind; the next start recreates them.
    await Promise.all([...this.live.values()].map((s) => this.launcher.release(s.target)));
    this.launcher?.shutdown();
  }

  async create(input: CreateInstanceInput): Promise<{ created: boolean; status: InstanceStatus }> {
    assertUserId(input.userId);
    const userId = input.userId;
    await this.settled(userId);
    const current = this.live.get(userId);
    const secrets = input.secrets ?? {};
    const model = input.model ? checkModelSettings(input.model, "model") : undefined;
    const memoryLimit = resolveResources(input.resources).limits.memory;
    if (current) {
      const secretsChanged = JSON.stringify(sorted(readSecrets(current.layout.secretsFile))) !== JSON.stringify(sorted(secrets));
      if (secretsChanged) writeSecrets(current.layout.secretsFile, secrets);
      const modelChanged = this.storeModel(current.record, current.layout, model ?? null);
      const limitChanged = current.record.memoryLimit !== memoryLimit;
      if (limitChanged) current.record.memoryLimit = memoryLimit;
      if (current.sleeping) {
        // As on Kubernetes, where the create's apply sets replicas back to 1: a create wakes it.
        this.clearSleep(current);
        this.track(userId, current.restart());
      } else if (secretsChanged || modelChanged || limitChanged || current.phase === "error") {
        // Same as a new ReplicaSet in Kubernetes: restart with the existing state.
        this.track(userId, current.restart());
      }
      return { created: false, status: this.statusOf(current) };
    }
    const previous = readRecord(join(this.opts.dataDir, "instances", userId, "instance.json"));
    const record: InstanceRecord = {
      userId,
      index: allocateIndex(this.opts.dataDir, this.opts.portBase, [...this.live.values()].map((s) => s.record.index), previous?.index),
      createdAt: new Date().toISOString(),
      restartCount: 0,
      memoryLimit,
      ...(input.imageTag ? { imageTag: input.imageTag } : {}),
    };
    const layout = this.layoutOf(record);
    for (const d of [layout.dir, layout.stateDir, layout.homeDir, layout.logsDir, layout.runDir]) mkdirSync(d, { recursive: true });
    writeSecrets(layout.secretsFile, secrets);
    this.storeModel(record, layout, model ?? null);
    writeRecord(layout.recordFile, record);
    const sup = this.supervise(record);
    this.track(userId, sup.start());
    return { created: true, status: this.statusOf(sup) };
  }

  /** A model change restarts the processes with the new seed config and key; state is kept. */
  async setModel(userId: string, model: ModelSettings | null): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const sup = this.live.get(userId);
    if (!sup) return null;
    const checked = model ? checkModelSettings(model) : null;
    await this.settled(userId);
    if (this.storeModel(sup.record, sup.layout, checked) && !sup.sleeping) {
      // A sleeping instance stays asleep: the key is read at process start, so the new model
      // is simply there when it wakes (as on Kubernetes, where a Deployment at 0 replicas rolls nothing).
      this.track(userId, sup.restart());
      this.log.info({ userId, provider: checked?.provider ?? null }, "instance model changed; restarting with it");
    }
    return this.statusOf(sup);
  }

  /** A process restart that keeps the state dir (data, channels), like a rollout restart. */
  async restart(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const sup = this.live.get(userId);
    if (!sup) return null;
    await this.settled(userId);
    // A restart of a sleeping instance is a wake: the user asked for it to run.
    this.clearSleep(sup);
    this.track(userId, sup.restart());
    this.log.info({ userId }, "instance restarting");
    return this.statusOf(sup);
  }

  /** Stops the processes, keeping state, secrets and the port block; persisted, so it stays asleep. */
  async sleep(userId: string, facts: SleepFacts): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const sup = this.live.get(userId);
    if (!sup) return null;
    await this.settled(userId);
    if (sup.sleeping) return this.statusOf(sup);
    sup.record.sleep = { since: facts.since, ...(facts.nextCronAt ? { nextCronAt: facts.nextCronAt } : {}), ...(facts.telegram ? { telegram: true } : {}) };
    if (facts.telegramBotToken) writeSecrets(this.wakeSecretsFile(sup), { telegramBotToken: facts.telegramBotToken });
    else removeSecrets(this.wakeSecretsFile(sup));
    writeRecord(sup.layout.recordFile, sup.record);
    this.track(userId, sup.sleep());
    await this.settled(userId);
    this.log.info({ userId, nextCronAt: facts.nextCronAt ?? null, telegram: !!facts.telegram }, "instance asleep");
    return this.statusOf(sup);
  }

  async wake(userId: string): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const sup = this.live.get(userId);
    if (!sup) return null;
    await this.settled(userId);
    if (!sup.sleeping) return this.statusOf(sup);
    this.clearSleep(sup);
    this.track(userId, sup.wake());
    this.log.info({ userId }, "instance waking");
    return this.statusOf(sup);
  }

  async sleepFacts(userId: string): Promise<SleepFacts | null> {
    const sup = this.live.get(userId);
    if (!sup?.sleeping || !sup.record.sleep) return null;
    const token = readSecrets(this.wakeSecretsFile(sup)).telegramBotToken;
    return { ...sup.record.sleep, ...(token ? { telegramBotToken: token } : {}) };
  }

  async setSleepPolicy(userId: string, policy: SleepPolicy): Promise<InstanceStatus | null> {
    assertUserId(userId);
    const sup = this.live.get(userId);
    if (!sup) return null;
    const next: SleepPolicy = { ...sup.record.sleepPolicy, ...policy };
    if (next.idleStopAfter === null) delete next.idleStopAfter;
    sup.record.sleepPolicy = next;
    writeRecord(sup.layout.recordFile, sup.record);
    return this.statusOf(sup);
  }

  async get(userId: string): Promise<InstanceStatus | null> {
    const sup = this.live.get(userId);
    return sup ? this.statusOf(sup) : null;
  }

  async list(): Promise<InstanceStatus[]> {
    return [...this.live.values()].sort((a, b) => a.record.userId.localeCompare(b.record.userId)).map((s) => this.statusOf(s));
  }

  async delete(userId: string, options: { preservePvc: boolean }): Promise<DeleteInstanceResult | null> {
    const sup = this.live.get(userId);
    if (!sup) {
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
    await this.settled(userId);
    this.live.delete(userId);
    await sup.stop();
    await this.launcher.release(sup.target);
    removeSecrets(sup.layout.secretsFile);
    removeSecrets(sup.layout.modelSecretFile);
    if (options.preservePvc) {
      writeRecord(sup.layout.recordFile, { ...sup.record, deletedAt: new Date().toISOString() });
    } else {
      rmSync(sup.layout.dir, { recursive: true, force: true });
    }
    rmSync(sup.layout.tmpDir, { recursive: true, force: true });
    this.log.info({ userId, pvcPreserved: options.preservePvc }, "instance deleted");
    return { userId, deleted: true, pvcPreserved: options.preservePvc };
  }

  async endpoint(userId: string): Promise<InstanceEndpoint | null> {
    const sup = this.live.get(userId);
    if (!sup) return null;
    const ep: InstanceEndpoint = {
      agentUrl: `http://127.0.0.1:${sup.layout.ports.agent}`,
      agentToken: deriveInstanceToken(this.opts.tokenSecret, "agent", userId),
    };
    if (this.desktop.available) ep.vncUrl = `ws://127.0.0.1:${sup.layout.ports.websockify}/websockify`;
    return ep;
  }

  /** Pids and resident memory of an instance's processes (benchmarks, tests, diagnostics). */
  processes(userId: string): { gatewayPid?: number; agentPid?: number; pids: number[]; rssBytes: number; agentRssBytes: number } | null {
    const sup = this.live.get(userId);
    if (!sup) return null;
    const pids = this.launcher.pids(sup.target, [sup.gateway, sup.agent]);
    const agentPids = pidAlive(sup.agent) ? processTree(sup.agent!.pid) : [];
    return {
      gatewayPid: pidAlive(sup.gateway) ? sup.gateway!.pid : undefined,
      agentPid: pidAlive(sup.agent) ? sup.agent!.pid : undefined,
      pids,
      rssBytes: pids.reduce((s, p) => s + rssBytes(p), 0),
      agentRssBytes: agentPids.reduce((s, p) => s + rssBytes(p), 0),
    };
  }

  memoryBytes(userId: string): number | null {
    return this.processes(userId)?.rssBytes ?? null;
  }

  /** The instance's port block and paths (tests and benchmarks talk to the gateway directly). */
  layout(userId: string): InstanceLayout | null {
    return this.live.get(userId)?.layout ?? null;
  }

  /** Runs a command in a fresh sandbox with the instance's policy: what its assistant's shell can do. */
  execInSandbox(userId: string, command: string[], env?: NodeJS.ProcessEnv) {
    const sup = this.live.get(userId);
    if (!sup) throw new Error(`no instance ${userId}`);
    return this.launcher.exec(sup.target, command, env);
  }

  /** The host uid an instance runs as (tests). */
  uidOf(userId: string): number | null {
    const sup = this.live.get(userId);
    return sup ? this.launcher.uidOf(sup.target) : null;
  }

  // --- internals -------------------------------------------------------------------------------

  private wakeSecretsFile(sup: InstanceSupervisor): string {
    return join(sup.layout.dir, "wake-secrets.json");
  }

  /** Forgets the sleep (persisted first: a Manager restart from here on starts the instance). */
  private clearSleep(sup: InstanceSupervisor) {
    if (!sup.record.sleep) return;
    delete sup.record.sleep;
    writeRecord(sup.layout.recordFile, sup.record);
    removeSecrets(this.wakeSecretsFile(sup));
  }

  private supervise(record: InstanceRecord): InstanceSupervisor {
    const layout = this.layoutOf(record);
    const sup = new InstanceSupervisor(record, layout, {
      launcher: this.launcher,
      queue: this.queue,
      log: this.log,
      limits: () => ({
        memoryBytes: parseQuantity(record.memoryLimit ?? resolveResources(undefined).limits.memory) ?? 2 ** 31,
        pids: this.opts.pidsLimit ?? 4096,
      }),
      prepareConfig: () =>
        writeGatewaySeed({
          layout,
          record,
          desktop: this.desktop,
          seed: this.seed,
          chromiumNoSandbox: this.launcher.isolated || process.getuid?.() === 0,
          gateway: this.opts.gateway,
          log: (m) => this.log.info(m),
        }),
      gatewayEnv: () =>
        gatewayEnv({
          userId: record.userId,
          layout,
          tokenSecret: this.opts.tokenSecret,
          openclawEntry: openclawEntry(),
          desktop: this.desktop.available,
          tmpDir: this.launcher.isolated ? "/tmp" : layout.tmpDir,
          compileCache: this.opts.compileCache !== "off",
          proxy: this.opts.instanceProxy,
        }),
      agentEnv: () => agentEnv(record.userId, layout, this.opts.tokenSecret, this.opts.instanceProxy),
      agentMain: builtAgent,
      persist: () => writeRecord(layout.recordFile, record),
      backoffMs: this.opts.restartBackoffMs ?? 1000,
      backoffMaxMs: this.opts.restartBackoffMaxMs ?? 300_000,
      stopGraceMs: this.opts.stopGraceMs ?? 30_000,
    });
    this.live.set(record.userId, sup);
    return sup;
  }

  private track(userId: string, p: Promise<unknown>) {
    const tracked = p
      .catch((e: Error) => this.log.error({ userId, err: e.message }, "instance operation failed"))
      .finally(() => {
        if (this.busy.get(userId) === tracked) this.busy.delete(userId);
      });
    this.busy.set(userId, tracked);
  }

  private async settled(userId: string) {
    await this.busy.get(userId);
  }

  /** Writes the model (record) and its key (model-secret.json); true when either changed. */
  private storeModel(record: InstanceRecord, layout: InstanceLayout, model: ModelSettings | null): boolean {
    const view = model ? { provider: model.provider, model: model.model, ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}), hasApiKey: !!model.apiKey } : undefined;
    const keys = model?.apiKey ? { [MODEL_KEY_ENV[model.provider]]: model.apiKey } : {};
    const changed =
      JSON.stringify(view ?? null) !== JSON.stringify(record.model ?? null) ||
      JSON.stringify(sorted(readSecrets(layout.modelSecretFile))) !== JSON.stringify(sorted(keys));
    if (!changed) return false;
    writeSecrets(layout.modelSecretFile, keys);
    if (view) record.model = view;
    else delete record.model;
    writeRecord(layout.recordFile, record);
    return true;
  }

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

  private statusOf(s: InstanceSupervisor): InstanceStatus {
    return toInstanceStatus({
      userId: s.record.userId,
      phase: s.phase,
      createdAt: s.record.createdAt,
      startedAt: s.startedAt,
      message: s.message,
      waiting: s.waiting,
      lastState: s.lastState,
      restartCount: s.record.restartCount,
      vnc: this.desktop.available ? { available: true } : { available: false, reason: this.desktop.reason },
      isolated: this.launcher.isolated,
      ...(s.sleeping && s.record.sleep ? { sleep: s.record.sleep } : {}),
      ...(s.record.sleepPolicy ? { sleepPolicy: s.record.sleepPolicy } : {}),
    });
  }

  /**
   * The next supervision round: every pollIntervalMs (500 ms), or every STARTING_POLL_MS while an
   * instance is starting, since the probe that sees it ready is the last step of every wake.
   */
  private schedulePoll() {
    const starting = [...this.live.values()].some((s) => s.phase === "pending" || s.phase === "starting");
    const timer = setTimeout(() => {
      this.poll()
        .catch((e: Error) => this.log.error({ err: e.message, stack: e.stack }, "local runtime poll failed"))
        .finally(() => {
          // Not after stop(), and not beside the chain of a later start().
          if (this.timer === timer) this.schedulePoll();
        });
    }, starting ? STARTING_POLL_MS : (this.opts.pollIntervalMs ?? 500));
    timer.unref();
    this.timer = timer;
  }

  /** Every instance, one supervision round each; one failing instance never stops the others. */
  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(
        [...this.live.values()].map((s) =>
          s.poll(startupOk).catch((e: Error) => this.log.error({ userId: s.record.userId, err: e.message }, "supervising instance failed")),
        ),
      );
    } finally {
      this.polling = false;
    }
  }
}

/** Probes of starting instances: a wake is seen running at most this long after its gateway is ready. */
const STARTING_POLL_MS = 100;

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

/** What the Manager's createRuntime passes (src/runtime/index.ts). */
export interface ManagerRuntimeInit {
  config: {
    tokenSecret: string;
    gateway?: LocalRuntimeOptions["gateway"];
    /** The Manager's local settings: the runtime's own options, named once above. */
    local: Omit<LocalRuntimeOptions, "tokenSecret" | "logger" | "pollIntervalMs" | "gateway">;
  };
  logger: Logger;
  metrics?: unknown;
}

function optionsFromConfig(config: ManagerRuntimeInit["config"], logger: Logger): LocalRuntimeOptions {
  const { local } = config;
  return {
    dataDir: local.dataDir,
    portBase: local.portBase,
    tokenSecret: config.tokenSecret,
    logger,
    stopGraceMs: local.stopGraceMs,
    desktop: local.desktop,
    gateway: config.gateway,
    unsafeNoSandbox: local.unsafeNoSandbox,
    sandboxUidBase: local.sandboxUidBase,
    pidsLimit: local.pidsLimit,
    startConcurrency: local.startConcurrency,
    restartBackoffMs: local.restartBackoffMs,
    restartBackoffMaxMs: local.restartBackoffMaxMs,
    compileCache: local.compileCache,
    instanceProxy: local.instanceProxy,
  };
}
