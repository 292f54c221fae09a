/**
 * Sleep under memory pressure, the pure part (unit-tested): when the awake instances, with the
 * one about to wake or start, would use more than CLAWBOX_AWAKE_MEMORY, which awake instances
 * may be put to sleep early, in the order to try them.
 *
 * Why: the idle stop (30m by default) keeps an assistant warm for a user who comes back soon, as
 * long as there is room. Without a limit, a busy hour on a full machine wakes more assistants than
 * its memory holds, and the kernel's OOM killer picks one at random. With it, the assistant idle
 * the longest goes first, through the same safe sleep as the idle stop (the agent's word, the
 * gateway's suspend fence, Telegram and cron wakes), and never one used in the last
 * CLAWBOX_IDLE_STOP_UNDER_PRESSURE.
 */
export interface AwakeInstance {
  userId: string;
  /** Memory it holds now, or what it will hold once started (bytes). */
  bytes: number;
  /** The Manager's last record of activity for it (a request, its start). */
  lastActivityAt: number;
  /** Its own idle time (ms); 0 = it never sleeps, not even for memory. */
  idleStopAfterMs: number;
  /** Only a running instance can be put to sleep; a starting one still counts toward the total. */
  running: boolean;
}

export interface PressureInput {
  budgetBytes: number;
  /** What the instance about to wake or start will need (0 for a pass without one). */
  needBytes: number;
  awake: AwakeInstance[];
  now: number;
  pressureIdleMs: number;
}

export interface PressurePlan {
  /** How far over the budget the awake instances (and the newcomer) are; <= 0: no pressure. */
  overBytes: number;
  /** Instances that may sleep early, idle the longest first; the caller stops once the excess is gone. */
  candidates: AwakeInstance[];
}

export function planPressureSleeps(input: PressureInput): PressurePlan {
  const total = input.awake.reduce((sum, a) => sum + a.bytes, 0) + input.needBytes;
  const overBytes = total - input.budgetBytes;
  if (overBytes <= 0) return { overBytes, candidates: [] };
  const candidates = input.awake
    .filter((a) => a.running && a.idleStopAfterMs > 0)
    // An instance whose own idle time is shorter sleeps by it anyway; the shorter one applies.
    .filter((a) => input.now - a.lastActivityAt >= Math.min(input.pressureIdleMs, a.idleStopAfterMs))
    .sort((a, b) => a.lastActivityAt - b.lastActivityAt);
  return { overBytes, candidates };
}

/** A newcomer's need: what it held when last awake, else the median awake instance, else nothing known. */
export function expectedBytes(lastSeen: number | undefined, awakeBytes: number[]): number {
  if (lastSeen !== undefined && lastSeen > 0) return lastSeen;
  const sorted = awakeBytes.filter((b) => b > 0).sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}
