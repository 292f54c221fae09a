/**
 * Sleep and wake (issue 14). One loop over the instances:
 * - a running one with no activity for its idle time (the Manager's own record, then the
 *   agent's report), no cron job within the lead time and no linked WhatsApp (unless its user
 *   opted in) goes to sleep: the runtime stops it, keeping everything else;
 * - a sleeping one wakes for its next cron job (lead time before it), on a Telegram update for
 *   its bot, or on any request for it (ensureAwake, which the request paths call and wait on).
 * - under memory pressure (CLAWBOX_AWAKE_MEMORY), a wake, a create or a pass first puts the
 *   instances idle the longest to sleep, the same safe way (pressure.ts);
 * Everything it needs after a Manager restart is kept by the runtime (sleepFacts).
 */
import type { InstanceEndpoint, InstanceRuntime, InstanceStatus, Logger } from "@clawbox/shared";
import { gatewayTimeout, unavailable } from "@clawbox/shared";
import type { ManagerConfig } from "../../config.ts";
import { ActivityLog } from "./activity.ts";
import { agentActivityAt, nextCronAt, prepareSuspend, telegramBotToken, whatsappLinked } from "./agent-probe.ts";
import { cronWakeAt, decideIdle, idleStopAfterMs } from "./decision.ts";
import { expectedBytes, planPressureSleeps, type AwakeInstance } from "./pressure.ts";
import { TelegramWatch } from "./telegram-wake.ts";

const TELEGRAM_API = "https://api.telegram.org";
/**
 * After it starts running, an instance stays awake at least this long (or its idle time, if
 * longer): the message that woke it must reach the gateway and start a reply (which the agent
 * then reports as activity) before the idle check can look again.
 */
export const WAKE_GRACE_MS = 15_000;

export interface SleepControllerOptions {
  config: Pick<ManagerConfig, "sleep" | "gateway">;
  runtime: InstanceRuntime;
  logger: Logger;
}

export type WakeReason = "request" | "telegram" | "cron" | "telegram-token-unknown";

/** Phases whose processes hold (or are about to hold) memory. */
const AWAKE_PHASES = new Set(["pending", "starting", "running"]);
/** At most one "over the memory limit" warning a minute: the pass runs every few seconds. */
const PRESSURE_WARN_EVERY_MS = 60_000;

export class SleepController {
  readonly activity = new ActivityLog();
  private readonly opts: SleepControllerOptions;
  private readonly log: Logger;
  private readonly watches = new Map<string, TelegramWatch>();
  /** When each running instance is next worth checking (skips agent calls in between). */
  private readonly recheckAt = new Map<string, number>();
  /** Instances woken and not yet running: requests wait for these instead of failing. */
  private readonly waking = new Set<string>();
  private readonly busy = new Set<string>();
  /** Sleeps under way: a request for one of these waits for the stop, then wakes it. */
  private readonly stopping = new Map<string, Promise<unknown>>();
  /** Phase seen at the last pass: a change to running starts the wake grace. */
  private readonly lastPhase = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private running = false;
  private readonly startedAt = Date.now();
  /** What each instance's processes held when last seen running: a wake's expected need. */
  private readonly lastBytes = new Map<string, number>();
  /** Memory pressure passes run one after another (pressure.ts). */
  private pressure: Promise<void> = Promise.resolve();
  private pressureWarnedAt = 0;
  /** Counts for tests and diagnostics. */
  readonly wakes: { userId: string; reason: WakeReason; at: number }[] = [];
  readonly pressureSleeps: { userId: string; at: number }[] = [];

  constructor(opts: SleepControllerOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: "sleep" });
  }

  /**
   * How long until the next pass: a quarter of the shortest idle time in use (the Manager's
   * default, an instance's own, the one under memory pressure) or of the cron lead time, between 1 and 30 s.
   */
  private tickMs(list: InstanceStatus[]): number {
    const { idleStopAfterMs: def, cronWakeLeadMs, awakeMemoryBytes, pressureIdleMs } = this.opts.config.sleep;
    const idles = list.map((s) => idleStopAfterMs(s, def)).filter((ms) => ms > 0);
    const pressure = awakeMemoryBytes > 0 && this.opts.runtime.memoryBytes ? pressureIdleMs : 120_000;
    const finest = Math.min(def || 120_000, cronWakeLeadMs || 120_000, pressure, ...idles);
    return Math.max(1000, Math.min(30_000, Math.floor(finest / 4)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      const list = await this.tick();
      if (!this.running) return;
      this.timer = setTimeout(() => void loop(), this.tickMs(list));
      this.timer.unref();
    };
    this.timer = setTimeout(() => void loop(), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    this.watches.clear();
  }

  /** One pass over every instance; one failing instance never stops the others. Returns the list it saw. */
  async tick(now = Date.now()): Promise<InstanceStatus[]> {
    if (this.ticking) return [];
    this.ticking = true;
    let list: InstanceStatus[] = [];
    try {
      list = await this.opts.runtime.list();
      const seen = new Set(list.map((s) => s.userId));
      for (const userId of [...this.watches.keys()]) if (!seen.has(userId)) void this.stopWatch(userId);
      for (const userId of [...this.lastPhase.keys()]) if (!seen.has(userId)) this.lastPhase.delete(userId);
      for (const userId of [...this.waking]) if (!seen.has(userId)) this.waking.delete(userId);
      await Promise.all(
        list.map((s) =>
          this.tend(s, now).catch((e: Error) => this.log.warn({ userId: s.userId, err: e.message }, "sleep check failed; trying again later")),
        ),
      );
      for (const userId of [...this.lastBytes.keys()]) if (!seen.has(userId)) this.lastBytes.delete(userId);
      // Instances grow as they work: the limit holds between wakes too.
      await this.makeRoom();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, "sleep pass failed");
    } finally {
      this.ticking = false;
    }
    return list;
  }

  private async tend(s: InstanceStatus, now: number): Promise<void> {
    const before = this.lastPhase.get(s.userId);
    this.lastPhase.set(s.userId, s.phase);
    // Only a sleeping instance is watched: a watch left running next to the gateway would take
    // its getUpdates away (409), which the gateway treats as another bot instance.
    if (s.phase !== "sleeping" && this.watches.has(s.userId)) await this.stopWatch(s.userId);
    if (this.busy.has(s.userId)) return;
    if (s.phase === "running") {
      this.waking.delete(s.userId);
      if (before !== undefined && before !== "running") {
        // Just started (woken, restarted, created): it counts as active from now on.
        this.activity.touch(s.userId, now);
        this.recheckAt.set(s.userId, now + Math.max(WAKE_GRACE_MS, idleStopAfterMs(s, this.opts.config.sleep.idleStopAfterMs)));
        return;
      }
      await this.considerSleep(s, now);
      return;
    }
    if (s.phase === "error") this.waking.delete(s.userId);
    if (s.phase === "sleeping") return this.tendSleeper(s.userId, now);
  }

  /**
   * Puts a running instance to sleep if it is idle; true if it now sleeps. `pressure`: a memory
   * pressure pass with its shorter idle time, which leaves the idle stop's schedule alone.
   */
  private async considerSleep(s: InstanceStatus, now: number, pressure?: { idleMs: number }): Promise<boolean> {
    const userId = s.userId;
    if (!pressure && (this.recheckAt.get(userId) ?? 0) > now) return false;
    if (this.busy.has(userId)) return false;
    const idleMs = pressure?.idleMs ?? idleStopAfterMs(s, this.opts.config.sleep.idleStopAfterMs);
    const recheck = (at: number) => {
      if (!pressure) this.recheckAt.set(userId, at);
      return false;
    };
    const seenActivity = this.activity.lastAt(userId, now);
    const base = {
      now,
      idleStopAfterMs: idleMs,
      // An instance the Manager has not seen any request for counts from the Manager's start.
      managerActivityAt: seenActivity ?? this.startedAt,
      cronWakeLeadMs: this.opts.config.sleep.cronWakeLeadMs,
      sleepWithWhatsApp: s.sleepPolicy?.sleepWithWhatsApp === true,
    };
    const first = decideIdle(base);
    if (first.sleep === false) return recheck(first.recheckAt);
    const ep = await this.opts.runtime.endpoint(userId);
    if (!ep) return false;
    this.busy.add(userId);
    try {
      const agentAt = await agentActivityAt(ep);
      const agentOnly = decideIdle({ ...base, agentActivityAt: agentAt });
      if (agentOnly.sleep === false) return recheck(agentOnly.recheckAt);
      const [cronAt, whatsapp] = await Promise.all([nextCronAt(ep), base.sleepWithWhatsApp ? Promise.resolve(false) : whatsappLinked(ep)]);
      const d = decideIdle({ ...base, agentActivityAt: agentAt, nextCronAtMs: cronAt, whatsappLinked: whatsapp });
      if (d.sleep === false) {
        this.log.info({ userId, reason: d.reason, memoryPressure: !!pressure }, "idle, but stays awake");
        return recheck(d.recheckAt);
      }
      if (d.sleep !== true) return false;
      return await this.putToSleep(userId, ep, cronAt, seenActivity, false, pressure ? "memory" : "idle");
    } finally {
      this.busy.delete(userId);
    }
  }

  /**
   * `seenActivity`: the Manager's record when the decision began; a request that arrived while
   * the agent was being asked changes it, and then the instance stays awake.
   */
  private async putToSleep(
    userId: string,
    ep: InstanceEndpoint,
    cronAt: number | undefined,
    seenActivity: number | undefined,
    bestEffort = false,
    reason: "idle" | "memory" | "request" = "idle",
  ): Promise<boolean> {
    // An explicit sleep goes ahead without the agent's answer (then no Telegram wake); the idle
    // path has just heard from the agent, so a failure there keeps the instance awake.
    const token = await telegramBotToken(ep).catch((e: Error) => {
      if (!bestEffort) throw e;
      this.log.warn({ userId, err: e.message }, "could not read the Telegram bot of an instance put to sleep; Telegram will not wake it");
      return undefined;
    });
    if (!bestEffort) {
      // The gateway's own word last: nothing running (a reply being written, queued messages, a
      // cron run). From "ready" on it admits no new work, so nothing can start before the stop.
      const fence = await prepareSuspend(ep);
      if (!fence.ready) {
        this.log.info({ userId, active: fence.active }, "idle, but the gateway is still working; stays awake");
        if (reason === "idle") this.recheckAt.set(userId, Date.now() + 5000);
        return false;
      }
      // A request that arrived while the agent was being asked wins: no sleep now.
      if (this.activity.lastAt(userId) !== seenActivity) {
        await fence.release().catch(() => undefined);
        return false;
      }
    }
    const stopping = this.opts.runtime.sleep(userId, {
      since: new Date().toISOString(),
      ...(cronAt !== undefined ? { nextCronAt: new Date(cronAt).toISOString() } : {}),
      ...(token ? { telegram: true, telegramBotToken: token } : {}),
    });
    // A request arriving now waits for the stop to finish and then wakes it (ensureAwake).
    this.stopping.set(userId, stopping.catch(() => undefined));
    try {
      await stopping;
    } finally {
      this.stopping.delete(userId);
    }
    this.recheckAt.delete(userId);
    // Asleep again: a wake still marked as under way is over (a pass may never have seen it
    // running), and a mark left behind would keep the pass from tending it (cron, Telegram).
    this.waking.delete(userId);
    this.log.info({ userId, reason, nextCronAt: cronAt ? new Date(cronAt).toISOString() : null, telegram: !!token }, "instance asleep");
    if (reason === "memory") this.pressureSleeps.push({ userId, at: Date.now() });
    if (token) this.watchTelegram(userId, token);
    return true;
  }

  private async tendSleeper(userId: string, now: number): Promise<void> {
    if (this.waking.has(userId)) return;
    const facts = await this.opts.runtime.sleepFacts(userId);
    if (!facts) return;
    if (facts.nextCronAt && now >= cronWakeAt(Date.parse(facts.nextCronAt), this.opts.config.sleep.cronWakeLeadMs)) {
      return void (await this.wake(userId, "cron"));
    }
    if (facts.telegramBotToken) {
      if (!this.watches.has(userId)) this.watchTelegram(userId, facts.telegramBotToken);
    } else if (facts.telegram) {
      // Kubernetes after a Manager restart: the token was only in the old Manager's memory.
      // Waking once lets the next sleep record it again; a DM meanwhile must not go unnoticed.
      await this.wake(userId, "telegram-token-unknown");
    }
  }

  private watchTelegram(userId: string, token: string): void {
    if (this.watches.has(userId)) return;
    const watch = new TelegramWatch({
      apiRoot: this.opts.config.gateway.telegramApiRoot ?? TELEGRAM_API,
      token,
      log: this.log.child({ userId }),
      onUpdate: () => {
        this.log.info({ userId }, "telegram update for a sleeping instance: waking it");
        void this.wake(userId, "telegram").catch((e: Error) => this.log.error({ userId, err: e.message }, "telegram wake failed"));
      },
    });
    this.watches.set(userId, watch);
  }

  private async stopWatch(userId: string): Promise<void> {
    const w = this.watches.get(userId);
    if (!w) return;
    this.watches.delete(userId);
    await w.stop();
  }

  /** Starts a sleeping instance; its Telegram watch stops first (one getUpdates consumer per bot). */
  async wake(userId: string, reason: WakeReason): Promise<InstanceStatus | null> {
    // Marked first: no pass may start a new watch while this one stops and the instance starts.
    const already = this.waking.has(userId);
    this.waking.add(userId);
    await this.stopWatch(userId);
    this.activity.touch(userId);
    this.recheckAt.delete(userId);
    const before = await this.opts.runtime.get(userId);
    if (before?.phase !== "sleeping") {
      if (!already && before?.phase !== "pending" && before?.phase !== "starting") this.waking.delete(userId);
      return before;
    }
    // Whatever the next pass sees, it is a change to running when it runs: the wake grace applies.
    this.lastPhase.set(userId, "pending");
    this.wakes.push({ userId, reason, at: Date.now() });
    this.log.info({ userId, reason }, "waking instance");
    // Not waited for: the stops take the fence and a gateway's exit (seconds), while the memory
    // of the woken instance grows over its whole start.
    void this.makeRoom(userId);
    try {
      return await this.opts.runtime.wake(userId);
    } catch (e) {
      this.waking.delete(userId);
      throw e;
    }
  }

  /** Puts an instance to sleep now (the Manager's POST .../sleep), whatever its activity. */
  async sleepNow(userId: string): Promise<InstanceStatus | null> {
    const s = await this.opts.runtime.get(userId);
    if (!s) return null;
    if (s.phase === "sleeping") return s;
    if (s.phase !== "running") throw unavailable(`instance ${userId} can sleep only when running (phase ${s.phase})`, { phase: s.phase });
    const ep = await this.opts.runtime.endpoint(userId);
    if (!ep) return null;
    this.busy.add(userId);
    try {
      await this.putToSleep(userId, ep, await nextCronAt(ep).catch(() => undefined), undefined, true, "request");
    } finally {
      this.busy.delete(userId);
    }
    return this.opts.runtime.get(userId);
  }

  /**
   * Makes sure a request can be served: a sleeping instance is woken and the call waits until
   * it runs (up to CLAWBOX_WAKE_TIMEOUT), reporting progress; an instance still waking from an
   * earlier request is waited for too. Anything else returns at once (the caller's own checks
   * answer 404/503 as before).
   */
  async ensureAwake(userId: string, onProgress?: (phase: "waking" | "awake") => void): Promise<void> {
    await this.stopping.get(userId);
    let s = await this.opts.runtime.get(userId);
    if (!s) return;
    if (s.phase === "sleeping") s = await this.wake(userId, "request");
    else if (!this.waking.has(userId)) return;
    if (!s || s.phase === "running") return;
    onProgress?.("waking");
    const deadline = Date.now() + this.opts.config.sleep.wakeTimeoutMs;
    let lastProgress = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      s = await this.opts.runtime.get(userId);
      if (!s) return;
      if (s.phase === "running") {
        this.waking.delete(userId);
        this.activity.touch(userId);
        onProgress?.("awake");
        return;
      }
      if (s.phase === "error") {
        this.waking.delete(userId);
        throw unavailable(`instance ${userId} did not wake: ${s.message ?? "gateway not running"}`, { phase: s.phase });
      }
      if (Date.now() > deadline) {
        throw gatewayTimeout(`instance ${userId} is waking up and did not run within ${Math.round(this.opts.config.sleep.wakeTimeoutMs / 1000)} s; try again shortly`, {
          phase: s.phase,
        });
      }
      if (Date.now() - lastProgress >= 3000) {
        lastProgress = Date.now();
        onProgress?.("waking");
      }
    }
  }

  /**
   * Memory pressure (pressure.ts): while the awake instances, with `userId` about to wake or
   * start, need more than CLAWBOX_AWAKE_MEMORY, the ones idle the longest (at least
   * CLAWBOX_IDLE_STOP_UNDER_PRESSURE) go to sleep. Passes run one at a time, so two wakes never
   * free the same room twice. A no-op without a limit or on a runtime that cannot see its
   * instances' memory (Kubernetes). Never throws: a failed pass is logged and the next one retries.
   */
  makeRoom(userId?: string): Promise<void> {
    const run = this.pressure.then(() => this.relievePressure(userId)).catch((e: Error) => this.log.warn({ err: e.message }, "memory pressure pass failed"));
    this.pressure = run;
    return run;
  }

  private async relievePressure(userId: string | undefined): Promise<void> {
    const { awakeMemoryBytes: budget, pressureIdleMs, idleStopAfterMs: defaultIdle } = this.opts.config.sleep;
    const runtime = this.opts.runtime;
    if (!budget || !runtime.memoryBytes) return;
    const now = Date.now();
    const list = await runtime.list();
    const awake: AwakeInstance[] = [];
    for (const s of list) {
      if (s.userId === userId || !AWAKE_PHASES.has(s.phase)) continue;
      const bytes = runtime.memoryBytes(s.userId) ?? 0;
      if (s.phase === "running" && bytes > 0) this.lastBytes.set(s.userId, bytes);
      awake.push({
        userId: s.userId,
        bytes,
        lastActivityAt: this.activity.lastAt(s.userId, now) ?? this.startedAt,
        idleStopAfterMs: idleStopAfterMs(s, defaultIdle),
        running: s.phase === "running",
      });
    }
    const runningBytes = awake.filter((a) => a.running).map((a) => a.bytes);
    // A starting instance has not grown to its size yet: count what it will hold.
    for (const a of awake) if (!a.running) a.bytes = Math.max(a.bytes, expectedBytes(this.lastBytes.get(a.userId), runningBytes));
    const needBytes = userId === undefined ? 0 : expectedBytes(this.lastBytes.get(userId), runningBytes);
    const plan = planPressureSleeps({ budgetBytes: budget, needBytes, awake, now, pressureIdleMs });
    let over = plan.overBytes;
    for (const c of plan.candidates) {
      if (over <= 0) break;
      const status = list.find((s) => s.userId === c.userId)!;
      if (await this.considerSleep(status, Date.now(), { idleMs: Math.min(pressureIdleMs, c.idleStopAfterMs) })) over -= c.bytes;
    }
    if (over > 0 && now - this.pressureWarnedAt >= PRESSURE_WARN_EVERY_MS) {
      this.pressureWarnedAt = now;
      const mb = (b: number) => Math.round(b / 2 ** 20);
      this.log.warn(
        { userId, overMb: mb(over), budgetMb: mb(budget), awake: awake.length },
        "awake instances need more memory than CLAWBOX_AWAKE_MEMORY, and none has been idle for CLAWBOX_IDLE_STOP_UNDER_PRESSURE to sleep early",
      );
    }
  }

  isWaking(userId: string): boolean {
    return this.waking.has(userId);
  }

  /** Whether an instance's Telegram bot is being watched (tests, diagnostics). */
  watching(userId: string): boolean {
    return this.watches.has(userId);
  }
}
