/**
 * How many registered users fit on one machine when idle assistants sleep, against always-on.
 *
 * A pure simulation, fed with figures the density bench measures on real instances (awake RSS,
 * wake delays). It replays a seeded week of user activity minute by minute: each user is active
 * in a given hour with probability `activeHourShare` (a burst of messages), some users have a
 * daily cron job, and users with WhatsApp linked never sleep. An instance is awake from its first
 * message (or the cron lead time) until `idleStopMinutes` after its last activity. Peak memory is
 * the peak number of awake instances times the awake RSS, plus every registered user's cost while
 * asleep. Nothing here is timed: the measured figures come in as inputs.
 */
export interface DensityInputs {
  /** Registered users. */
  users: number;
  /** Share of users active in any given hour (0.1: 10 % of users write in an hour). */
  activeHourShare: number;
  /** Minutes of inactivity before an instance sleeps. */
  idleStopMinutes: number;
  /** Share of users with one daily cron job (woken `cronLeadMinutes` before it). */
  cronUserShare: number;
  cronLeadMinutes: number;
  /** Share of users with WhatsApp linked who did not opt in to sleeping: always awake. */
  alwaysAwakeShare: number;
  /** Days replayed. */
  days: number;
  seed: number;
}

export interface DensityResult {
  peakAwake: number;
  /** Minutes-weighted mean of awake instances. */
  meanAwake: number;
  wakes: number;
}

/** mulberry32: a small seeded PRNG, so a run is repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Minutes (from the start of the replay) at which one user is active. */
function activityMinutes(inputs: DensityInputs, rand: () => number): number[] {
  const minutes: number[] = [];
  const hours = inputs.days * 24;
  for (let h = 0; h < hours; h++) {
    if (rand() >= inputs.activeHourShare) continue;
    // A burst: 1-6 messages spread over up to 15 minutes from a random start in the hour.
    const start = h * 60 + Math.floor(rand() * 60);
    const messages = 1 + Math.floor(rand() * 6);
    for (let m = 0; m < messages; m++) minutes.push(start + Math.floor(rand() * 15));
  }
  return minutes;
}

export function simulateDensity(inputs: DensityInputs): DensityResult {
  const total = inputs.days * 24 * 60;
  // awakeDelta[t] += 1 where an awake interval starts, -= 1 where it ends (a difference array).
  const awakeDelta = new Int32Array(total + 1);
  const rand = seededRandom(inputs.seed);
  let wakes = 0;
  for (let u = 0; u < inputs.users; u++) {
    if (rand() < inputs.alwaysAwakeShare) {
      awakeDelta[0]! += 1;
      awakeDelta[total]! -= 1;
      continue;
    }
    const events = activityMinutes(inputs, rand);
    if (rand() < inputs.cronUserShare) {
      const at = Math.floor(rand() * 24 * 60);
      // Woken the lead time before the job; the job's own run is activity too.
      for (let d = 0; d < inputs.days; d++) events.push(Math.max(0, d * 24 * 60 + at - inputs.cronLeadMinutes), d * 24 * 60 + at);
    }
    events.sort((a, b) => a - b);
    // Merge activity into awake intervals: [first event, last event + idle stop).
    let i = 0;
    while (i < events.length) {
      const start = events[i]!;
      let end = start + inputs.idleStopMinutes;
      while (i + 1 < events.length && events[i + 1]! < end) end = events[++i]! + inputs.idleStopMinutes;
      i++;
      wakes++;
      awakeDelta[start]! += 1;
      awakeDelta[Math.min(end, total)]! -= 1;
    }
  }
  let awake = 0;
  let peakAwake = 0;
  let sum = 0;
  for (let t = 0; t < total; t++) {
    awake += awakeDelta[t]!;
    if (awake > peakAwake) peakAwake = awake;
    sum += awake;
  }
  return { peakAwake, meanAwake: sum / total, wakes };
}

export interface MachineFigures {
  /** Memory for instances on the machine (bytes). */
  budgetBytes: number;
  /** RSS of one awake instance (measured). */
  awakeBytes: number;
  /** What one sleeping user still costs (measured: the Manager's share, a Telegram poll). */
  asleepBytes: number;
}

/** Most users that fit always-on: every instance awake all the time. */
export function alwaysOnCapacity(m: MachineFigures): number {
  return Math.floor(m.budgetBytes / m.awakeBytes);
}

/** Peak memory of `inputs.users` users with sleeping, from the simulation's peak. */
export function peakBytesWithSleep(inputs: DensityInputs, m: MachineFigures): { peakBytes: number; result: DensityResult } {
  const result = simulateDensity(inputs);
  return { peakBytes: result.peakAwake * m.awakeBytes + (inputs.users - result.peakAwake) * m.asleepBytes, result };
}

/** Most registered users whose simulated peak still fits the budget (binary search). */
export function sleepingCapacity(base: Omit<DensityInputs, "users">, m: MachineFigures, maxUsers = 100_000): number {
  let lo = 0;
  let hi = maxUsers;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (peakBytesWithSleep({ ...base, users: mid }, m).peakBytes <= m.budgetBytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The p-th percentile (0-100) of samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
