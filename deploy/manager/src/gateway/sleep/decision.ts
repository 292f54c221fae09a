/**
 * The pure part of sleeping (unit-tested): whether an instance is idle long enough, whether a
 * cron job is close enough to keep it awake or to wake it, and which idle time applies.
 */
import { parseDuration, type InstanceStatus } from "@clawbox/shared";

export interface IdleFacts {
  now: number;
  /** Its idle time in ms; 0 = never sleeps. */
  idleStopAfterMs: number;
  /** Last request for it through the Manager (or when the Manager first saw it running). */
  managerActivityAt: number;
  /** The agent's report: last relayed call or conversation event in the gateway; undefined = not asked yet. */
  agentActivityAt?: number;
  /** The next cron job that wakes it (wakingCronAt over cron.list); undefined = none. */
  nextCronAtMs?: number;
  cronWakeLeadMs: number;
  whatsappLinked?: boolean;
  sleepWithWhatsApp: boolean;
}

export type IdleDecision =
  | { sleep: true }
  | { sleep: false; reason: "never" | "active" | "agent-active" | "cron-due" | "whatsapp"; recheckAt: number };

/**
 * Decides from what is known so far; the caller asks the agent only when the Manager's own
 * record says idle (agentActivityAt undefined means "not asked": no decision to sleep yet).
 */
export function decideIdle(f: IdleFacts): IdleDecision | { sleep: "ask-agent" } {
  if (f.idleStopAfterMs <= 0) return { sleep: false, reason: "never", recheckAt: f.now + 60_000 };
  const managerIdleUntil = f.managerActivityAt + f.idleStopAfterMs;
  if (f.now < managerIdleUntil) return { sleep: false, reason: "active", recheckAt: managerIdleUntil };
  if (f.agentActivityAt === undefined) return { sleep: "ask-agent" };
  const agentIdleUntil = f.agentActivityAt + f.idleStopAfterMs;
  if (f.now < agentIdleUntil) return { sleep: false, reason: "agent-active", recheckAt: agentIdleUntil };
  if (cronKeepsAwake(f.nextCronAtMs, f.cronWakeLeadMs, f.now)) {
    // Awake until the job has run: its own conversation events then count as activity.
    return { sleep: false, reason: "cron-due", recheckAt: (f.nextCronAtMs ?? f.now) + 1000 };
  }
  if (f.whatsappLinked && !f.sleepWithWhatsApp) return { sleep: false, reason: "whatsapp", recheckAt: f.now + f.idleStopAfterMs };
  return { sleep: true };
}

/** A job due within the lead time (or overdue) keeps a running instance awake. */
export function cronKeepsAwake(nextCronAtMs: number | undefined, leadMs: number, now: number): boolean {
  return nextCronAtMs !== undefined && nextCronAtMs - now <= leadMs;
}

/** When a sleeping instance must wake for its next cron job: the lead time before it. */
export function cronWakeAt(nextCronAtMs: number, leadMs: number): number {
  return nextCronAtMs - leadMs;
}

/** The instance's own idle time when it has one, else the Manager's default. */
export function idleStopAfterMs(status: Pick<InstanceStatus, "sleepPolicy">, defaultMs: number): number {
  const own = status.sleepPolicy?.idleStopAfter;
  const ms = own === undefined ? null : parseDuration(own);
  return ms ?? defaultMs;
}

/** The fields of a `cron.list` job the wake decision reads. */
export interface CronJobView {
  enabled?: boolean;
  nextRunAtMs?: number | null;
  declarationKey?: string;
  payload?: { kind?: string };
}

/**
 * The next run of a job that should wake a sleeping assistant: the user's own jobs (reminders,
 * scheduled tasks). Not the gateway's own upkeep: its heartbeat (payload `heartbeat`, every 30
 * minutes) and the jobs plugins declare (a `declarationKey`, e.g. memory-core's nightly memory
 * promotion): waking every sleeping assistant for those would undo sleeping; they run at its
 * next wake instead.
 */
export function wakingCronAt(jobs: CronJobView[]): number | undefined {
  let next: number | undefined;
  for (const j of jobs) {
    if (j.enabled === false || j.declarationKey || j.payload?.kind === "heartbeat") continue;
    if (typeof j.nextRunAtMs !== "number") continue;
    next = next === undefined ? j.nextRunAtMs : Math.min(next, j.nextRunAtMs);
  }
  return next;
}
