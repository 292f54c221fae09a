import { Type, type Static } from "@sinclair/typebox";
import { badRequest } from "../errors.ts";

/**
 * Sleeping assistants (issue 14). An instance with no activity for its idle time goes to phase
 * `sleeping`: its processes stop (Kubernetes: the Deployment scales to 0) and everything else
 * stays. Any request through the Manager, a Telegram DM or a due cron job wakes it again.
 *
 * Durations are written as a whole number with a unit: `90s`, `30m`, `2h`, `1d` (or plain
 * seconds, `90`); `0` means never. One parser for the Manager's config (CLAWBOX_IDLE_STOP_AFTER)
 * and the per-instance policy below, so both accept and refuse the same text.
 */
export const DURATION_PATTERN = "^(0|[1-9][0-9]{0,8})(ms|s|m|h|d)?$";
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration text, or null when it is not one (callers name the field). */
export function parseDuration(text: string): number | null {
  const m = new RegExp(DURATION_PATTERN).exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] ?? "s"]!;
}

/** The shortest text for a duration in ms (for views: 1800000 -> "30m"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  for (const unit of ["d", "h", "m", "s"] as const) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${ms}ms`;
}

/** Minimum non-zero idle time: a shorter one would stop an assistant between two messages. */
export const MIN_IDLE_STOP_MS = 5000;

export const SleepPolicySchema = Type.Object(
  {
    idleStopAfter: Type.Optional(
      Type.Union([Type.String({ pattern: DURATION_PATTERN, maxLength: 12 }), Type.Null()], {
        description: "Idle time before the assistant sleeps, e.g. 30m, 90s, 2h; \"0\" = never; null or absent = the Manager's default (CLAWBOX_IDLE_STOP_AFTER)",
        examples: ["30m"],
      }),
    ),
    sleepWithWhatsApp: Type.Optional(
      Type.Boolean({
        description:
          "Sleep even with WhatsApp linked. WhatsApp's connection lives in the assistant, so while it sleeps WhatsApp messages wait (up to WhatsApp's own limits) until something else wakes it. Default false: an assistant with WhatsApp linked stays awake.",
      }),
    ),
  },
  { additionalProperties: false, $id: "SleepPolicy" },
);
export type SleepPolicy = Static<typeof SleepPolicySchema>;

/** Rules a schema cannot say: a non-zero idle time of at least MIN_IDLE_STOP_MS. */
export function checkSleepPolicy(p: SleepPolicy, prefix = ""): SleepPolicy {
  if (typeof p.idleStopAfter === "string") {
    const ms = parseDuration(p.idleStopAfter);
    const field = `${prefix}idleStopAfter`;
    if (ms === null) throw badRequest(field, "duration", `${field} must be a duration such as 30m, 90s or 0 (never)`);
    if (ms !== 0 && ms < MIN_IDLE_STOP_MS) throw badRequest(field, "minimum", `${field} must be 0 (never) or at least ${MIN_IDLE_STOP_MS / 1000}s`);
  }
  return p;
}

/** Why an instance sleeps and what will wake it by itself (only in phase `sleeping`). */
export const SleepInfoSchema = Type.Object(
  {
    since: Type.String({ description: "When it went to sleep (ISO time)" }),
    wakeAt: Type.Optional(Type.String({ description: "When it wakes for its next cron job (ISO time), if it has one" })),
  },
  { additionalProperties: false, description: "Only in phase sleeping" },
);
export type SleepInfo = Static<typeof SleepInfoSchema>;

/**
 * What the app lets its user choose (App API `PUT /instances/:id/sleep`): only the WhatsApp
 * opt-in; the idle time is the operator's (a user choosing "never" would cost the operator).
 */
export const SleepSettingsSchema = Type.Object(
  { sleepWithWhatsApp: Type.Boolean({ description: "Let the assistant sleep even with WhatsApp linked (WhatsApp messages then wait until something else wakes it)" }) },
  { additionalProperties: false, $id: "SleepSettings" },
);
export type SleepSettings = Static<typeof SleepSettingsSchema>;
