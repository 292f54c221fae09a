import { join } from "node:path";
import type { ContainerStateSummary, InstancePhase, Logger } from "@clawbox/shared";
import type { CgroupLimits } from "./cgroups.ts";
import type { InstanceLayout } from "./layout.ts";
import type { Launcher, LaunchTarget } from "./launcher.ts";
import { tailLines } from "./logs.ts";
import { pidAlive, readPidFile, removePidFile, type PidRecord } from "./processes.ts";
import { clearStaleLeases } from "./stale-lease.ts";
import type { StartQueue } from "./start-queue.ts";
import type { InstanceRecord } from "./store.ts";

/**
 * Keeps one instance running, like the kubelet with `restartPolicy: Always`: a gateway that exits
 * (crash, SIGKILL, OOM kill) is restarted after an exponential back-off (base, 2x base, ... up
 * to max; reset once it has run for RESET_AFTER_MS), `restartCount` and the last termination are
 * real, and repeated crashes show `error` ("CrashLoopBackOff: ...") until a start succeeds again.
 * Every start waits for a slot of the machine-wide StartQueue.
 */
export interface SupervisorDeps {
  launcher: Launcher;
  queue: StartQueue;
  log: Logger;
  limits: () => CgroupLimits;
  /** Writes the seed config (may wait for the WhatsApp seed) before each start. */
  prepareConfig: () => Promise<void>;
  gatewayEnv: () => NodeJS.ProcessEnv;
  agentEnv: () => NodeJS.ProcessEnv;
  agentMain: () => string;
  /** Persists the record (restartCount). */
  persist: () => void;
  backoffMs: number;
  backoffMaxMs: number;
  stopGraceMs: number;
}

const CRASH_LOOP_AFTER = 3;
const RESET_AFTER_MS = 10 * 60_000;

export class InstanceSupervisor {
  readonly record: InstanceRecord;
  readonly layout: InstanceLayout;
  phase: InstancePhase = "pending";
  message?: string;
  startedAt?: string;
  waiting?: { reason: string; message?: string };
  lastState?: ContainerStateSummary;
  gateway?: PidRecord;
  agent?: PidRecord;
  private readonly deps: SupervisorDeps;
  /** "sleep": stopped on purpose, state kept; nothing restarts it until wake(). */
  private desired: "run" | "stop" | "sleep" = "run";
  /** Bumped on every (re)start and stop: callbacks of an older process set are ignored. */
  private generation = 0;
  private crashes = 0;
  private runningSince = 0;
  private oomBaseline = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private releaseSlot: (() => void) | undefined;
  private agentRespawnAt = 0;
  private exiting = false;

  constructor(record: InstanceRecord, layout: InstanceLayout, deps: SupervisorDeps) {
    this.record = record;
    this.layout = layout;
    this.deps = deps;
  }

  get target(): LaunchTarget {
    return { userId: this.record.userId, index: this.record.index, layout: this.layout };
  }

  /**
   * A Manager restart: keeps a live gateway (re-adopted), starts the instance otherwise; a
   * sleeping one (record.sleep) stays asleep, and processes left over from a sleep that was cut
   * short by the Manager's exit are stopped.
   */
  adopt() {
    if (this.record.sleep) {
      this.desired = "sleep";
      this.phase = "sleeping";
      this.deps.log.info({ userId: this.record.userId }, "instance stays asleep");
      void this.stopProcesses().catch((e: Error) => this.deps.log.error({ userId: this.record.userId, err: e.message }, "stopping a sleeping instance's leftovers failed"));
      return;
    }
    this.gateway = readPidFile(join(this.layout.runDir, "entrypoint.pid")) ?? undefined;
    this.agent = readPidFile(join(this.layout.runDir, "agent.pid")) ?? undefined;
    if (pidAlive(this.gateway)) {
      this.phase = "starting";
      this.startedAt = this.gateway!.startedAt;
      this.oomBaseline = this.deps.launcher.oomKills(this.target);
      this.deps.launcher.protect(this.target);
      this.deps.log.info({ userId: this.record.userId, pid: this.gateway!.pid }, "re-adopted running instance");
      return;
    }
    this.deps.log.info({ userId: this.record.userId }, "starting saved instance");
    void this.boot();
  }

  start(): Promise<void> {
    this.desired = "run";
    return this.boot();
  }

  /** New secrets or model: a new process set on the same state (a new ReplicaSet). */
  async restart(): Promise<void> {
    // At once, not after the stop: a status read right after the change must not say "running"
    // about the processes that are about to go.
    this.phase = "pending";
    this.waiting = { reason: "ContainerCreating" };
    this.record.restartCount++;
    this.deps.persist();
    this.crashes = 0;
    await this.stopProcesses();
    this.desired = "run";
    await this.boot();
  }

  async stop(): Promise<void> {
    this.desired = "stop";
    await this.stopProcesses();
  }

  get sleeping(): boolean {
    return this.desired === "sleep";
  }

  /**
   * Stops every process of the instance and keeps it stopped: state dir, secrets and port block
   * stay; the caller persists record.sleep first, so a Manager restart keeps it asleep.
   */
  async sleep(): Promise<void> {
    this.desired = "sleep";
    this.phase = "sleeping";
    this.waiting = undefined;
    this.message = undefined;
    this.crashes = 0;
    await this.stopProcesses();
  }

  /** A sleeping instance starts again (pending -> starting -> running); no restart is counted. */
  async wake(): Promise<void> {
    if (this.desired !== "sleep") return;
    this.desired = "run";
    this.phase = "pending";
    this.waiting = { reason: "ContainerCreating" };
    await this.boot();
  }

  /** The Manager stops watching; the processes keep running for the next Manager to re-adopt. */
  detach() {
    this.desired = "stop";
    this.generation++;
    clearTimeout(this.restartTimer);
    this.releaseSlot?.();
  }

  private async stopProcesses() {
    this.generation++;
    clearTimeout(this.restartTimer);
    this.releaseSlot?.();
    await this.deps.launcher.stopAll(this.target, [this.gateway, this.agent], this.deps.stopGraceMs);
    removePidFile(join(this.layout.runDir, "entrypoint.pid"));
    removePidFile(join(this.layout.runDir, "agent.pid"));
    this.gateway = undefined;
    this.agent = undefined;
  }

  private async boot(): Promise<void> {
    const gen = ++this.generation;
    clearTimeout(this.restartTimer);
    if (this.phase !== "error") this.phase = "pending";
    this.waiting = this.waiting ?? { reason: "ContainerCreating" };
    const release = await this.deps.queue.acquire();
    if (gen !== this.generation || this.desired !== "run") return release();
    this.releaseSlot = release;
    const t = this.target;
    try {
      // Whatever is left of an earlier process set goes first: then its owner is provably dead.
      await this.deps.launcher.stopAll(t, [this.gateway, this.agent], 3000);
      await this.deps.prepareConfig();
      if (gen !== this.generation) return release();
      const cleared = clearStaleLeases(this.layout.stateDir, this.layout.tmpDir);
      if (cleared > 0) this.deps.log.info({ userId: t.userId, leases: cleared }, "cleared stale OpenClaw leases of a dead gateway");
      this.deps.launcher.prepare(t, this.deps.limits());
      this.oomBaseline = this.deps.launcher.oomKills(t);
      this.gateway = this.deps.launcher.spawnGateway(t, this.deps.gatewayEnv(), (code, signal) => this.onGatewayExit(gen, code, signal));
      this.agent = this.deps.launcher.spawnAgent(t, this.deps.agentMain(), this.deps.agentEnv());
      this.startedAt = this.gateway.startedAt;
      this.waiting = undefined;
      if (this.phase !== "error") this.phase = "starting";
    } catch (e) {
      release();
      this.deps.log.error({ userId: t.userId, err: (e as Error).message }, "instance start failed; retrying");
      this.scheduleRestart({ status: "terminated", reason: "StartError", message: (e as Error).message, finishedAt: new Date().toISOString() });
    }
  }

  /** The gateway's sandbox exited (or, re-adopted, was found gone): classify, clean up, restart. */
  private onGatewayExit(gen: number, code: number | null | undefined, signal: NodeJS.Signals | null | undefined) {
    if (gen !== this.generation || this.desired !== "run" || this.exiting) return;
    this.exiting = true;
    // A new generation: a late exit event of the same process set is not a second crash.
    const handling = ++this.generation;
    const t = this.target;
    const oom = this.deps.launcher.oomKills(t) > this.oomBaseline;
    const exitCode = code ?? (signal ? 128 + (signal === "SIGKILL" ? 9 : 15) : undefined);
    const last: ContainerStateSummary = {
      status: "terminated",
      reason: oom ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error",
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      finishedAt: new Date().toISOString(),
      message: tailLines(this.layout.gatewayLog, 15) || "gateway process exited",
    };
    this.deps.log.warn({ userId: t.userId, reason: last.reason, exitCode }, "instance gateway exited; restarting");
    // Like a container: its other processes (agent, Xvfb, Chromium...) go with it.
    void this.deps.launcher
      .stopAll(t, [this.gateway, this.agent], 3000)
      .catch((e: Error) => this.deps.log.error({ userId: t.userId, err: e.message }, "stopping the rest of the instance failed"))
      .finally(() => {
        this.exiting = false;
        if (handling !== this.generation) return;
        this.record.restartCount++;
        this.deps.persist();
        this.scheduleRestart(last);
      });
  }

  private scheduleRestart(last: ContainerStateSummary) {
    this.releaseSlot?.();
    this.lastState = last;
    if (this.runningSince && Date.now() - this.runningSince > RESET_AFTER_MS) this.crashes = 0;
    this.runningSince = 0;
    this.crashes++;
    const delay = Math.min(this.deps.backoffMaxMs, this.deps.backoffMs * 2 ** (this.crashes - 1));
    const why = `back-off ${Math.round(delay / 1000)}s restarting failed gateway (last: ${last.reason}${last.exitCode !== undefined ? `, exit ${last.exitCode}` : ""})`;
    this.waiting = { reason: "CrashLoopBackOff", message: why };
    if (this.crashes >= CRASH_LOOP_AFTER) {
      this.phase = "error";
      this.message = `CrashLoopBackOff: ${why}\n${last.message ?? ""}`.trim();
    } else {
      this.phase = "starting";
      this.message = undefined;
    }
    const gen = this.generation;
    this.restartTimer = setTimeout(() => {
      if (gen === this.generation && this.desired === "run") void this.boot();
    }, delay);
    this.restartTimer.unref();
  }

  /** One supervision round (the Manager polls every instance). */
  async poll(probe: (agentPort: number) => Promise<boolean>) {
    if (this.desired !== "run" || this.exiting) return;
    if (this.phase === "pending" || this.waiting?.reason === "CrashLoopBackOff" || this.waiting?.reason === "ContainerCreating") return;
    const t = this.target;
    if (!pidAlive(this.gateway)) return this.onGatewayExit(this.generation, undefined, undefined);
    if (this.deps.launcher.oomKills(t) > this.oomBaseline) {
      // cgroup v1 kills one process, not the group: finish the job, as memory.oom.group does on v2.
      this.deps.log.warn({ userId: t.userId }, "instance hit its memory limit; stopping it");
      return this.onGatewayExit(this.generation, 137, null);
    }
    if (!pidAlive(this.agent) && Date.now() - this.agentRespawnAt > 5000) {
      // At most every 5 s: an agent that cannot start (e.g. its port is taken) must not spin.
      this.agentRespawnAt = Date.now();
      this.deps.log.warn({ userId: t.userId, log: tailLines(this.layout.agentLog, 3) }, "agent died; restarting it");
      this.agent = this.deps.launcher.spawnAgent(t, this.deps.agentMain(), this.deps.agentEnv());
    }
    if (this.phase !== "running" && (await probe(this.layout.ports.agent)) && pidAlive(this.gateway) && this.desired === "run") {
      this.phase = "running";
      this.message = undefined;
      this.runningSince = Date.now();
      this.releaseSlot?.();
      this.deps.log.info({ userId: t.userId }, "instance running");
    }
  }
}
