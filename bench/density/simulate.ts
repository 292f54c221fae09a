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
 *
 * With a pressure policy (`awakeSlots`, `pressureIdleMinutes`) the replay follows the Manager's
 * sleep under memory pressure: whenever more instances are awake than fit the budget, those idle
 * at least `pressureIdleMinutes` sleep early, longest idle first; if that is not enough, the
 * instances stay awake over the budget (overcommitted minutes, the Manager's warning).
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
  /** Pressure policy: how many instances fit awake in the memory budget. */
  awakeSlots?: number;
  /** Pressure policy: the least idle time (minutes) for an instance to sleep early. */
  pressureIdleMinutes?: number;
}

export interface DensityResult {
  peakAwake: number;
  /** Minutes-weighted mean of awake instances. */
  meanAwake: number;
  wakes: number;
  /** Bursts of messages from users who can sleep. */
  bursts: number;
  /** Bursts that met a sleeping instance (one of their messages woke it, so it waited for the wake). */
  burstsFindingAsleep: number;
  /** Pressure policy only (0 without): instances put to sleep early to make room. */
  pressureSleeps: number;
  /** Pressure policy only (0 without): minutes with more instances awake than slots, and by how many at most. */
  overcommitMinutes: number;
  maxOvercommit: number;
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

/** One user's replayed activity. */
interface UserActivity {
  alwaysAwake: boolean;
  /** Minutes at which it is active (messages, cron wakes and runs), sorted. */
  events: number[];
  /** Its bursts of messages, each the minutes of its messages. */
  bursts: number[][];
}

/** Bursts of messages from one user: their minutes from the start of the replay. */
function activityBursts(inputs: DensityInputs, rand: () => number): number[][] {
  const bursts: number[][] = [];
  const hours = inputs.days * 24;
  for (let h = 0; h < hours; h++) {
    if (rand() >= inputs.activeHourShare) continue;
    // A burst: 1-6 messages spread over up to 15 minutes from a random start in the hour.
    const start = h * 60 + Math.floor(rand() * 60);
    const messages = 1 + Math.floor(rand() * 6);
    const burst: number[] = [];
    for (let m = 0; m < messages; m++) burst.push(start + Math.floor(rand() * 15));
    bursts.push(burst);
  }
  return bursts;
}

/** Every user's activity, one after the other from the seed (users 0..n-1 are the same for any n above). */
function replayUsers(inputs: DensityInputs, visit: (user: UserActivity) => void): void {
  const rand = seededRandom(inputs.seed);
  for (let u = 0; u < inputs.users; u++) {
    if (rand() < inputs.alwaysAwakeShare) {
      visit({ alwaysAwake: true, events: [], bursts: [] });
      continue;
    }
    const bursts = activityBursts(inputs, rand);
    const events = bursts.flat();
    if (rand() < inputs.cronUserShare) {
      const at = Math.floor(rand() * 24 * 60);
      // Woken the lead time before the job; the job's own run is activity too.
      for (let d = 0; d < inputs.days; d++) events.push(Math.max(0, d * 24 * 60 + at - inputs.cronLeadMinutes), d * 24 * 60 + at);
    }
    events.sort((a, b) => a - b);
    visit({ alwaysAwake: false, events, bursts });
  }
}

/** Bursts with a message in a minute the instance woke (it was asleep when that message came). */
function burstsWaking(bursts: number[][], wakeMinutes: Set<number>): number {
  let n = 0;
  for (const burst of bursts) if (burst.some((m) => wakeMinutes.has(m))) n++;
  return n;
}

export function simulateDensity(inputs: DensityInputs): DensityResult {
  if ((inputs.awakeSlots === undefined) !== (inputs.pressureIdleMinutes === undefined)) {
    throw new Error("the pressure policy needs both awakeSlots and pressureIdleMinutes");
  }
  if (inputs.awakeSlots !== undefined) return simulateWithPressure(inputs, inputs.awakeSlots, inputs.pressureIdleMinutes!);
  const total = inputs.days * 24 * 60;
  // awakeDelta[t] += 1 where an awake interval starts, -= 1 where it ends (a difference array).
  const awakeDelta = new Int32Array(total + 1);
  let wakes = 0;
  let bursts = 0;
  let burstsFindingAsleep = 0;
  replayUsers(inputs, (user) => {
    if (user.alwaysAwake) {
      awakeDelta[0]! += 1;
      awakeDelta[total]! -= 1;
      return;
    }
    const { events } = user;
    const wakeMinutes = new Set<number>();
    // Merge activity into awake intervals: [first event, last event + idle stop).
    let i = 0;
    while (i < events.length) {
      const start = events[i]!;
      let end = start + inputs.idleStopMinutes;
      while (i + 1 < events.length && events[i + 1]! < end) end = events[++i]! + inputs.idleStopMinutes;
      i++;
      wakes++;
      wakeMinutes.add(start);
      awakeDelta[start]! += 1;
      awakeDelta[Math.min(end, total)]! -= 1;
    }
    bursts += user.bursts.length;
    burstsFindingAsleep += burstsWaking(user.bursts, wakeMinutes);
  });
  let awake = 0;
  let peakAwake = 0;
  let sum = 0;
  for (let t = 0; t < total; t++) {
    awake += awakeDelta[t]!;
    if (awake > peakAwake) peakAwake = awake;
    sum += awake;
  }
  return { peakAwake, meanAwake: sum / total, wakes, bursts, burstsFindingAsleep, pressureSleeps: 0, overcommitMinutes: 0, maxOvercommit: 0 };
}

/**
 * Who sleeps early at minute `now` so that at most `slots` stay awake: instances idle at least
 * `pressureIdle`, longest idle first (ties: the lower user, so a run is repeatable). Fewer when
 * not enough are idle that long: the rest stay awake over the slots.
 */
export function pressureSleepers(
  awake: readonly number[],
  lastActive: ArrayLike<number>,
  canSleep: (user: number) => boolean,
  now: number,
  slots: number,
  pressureIdle: number,
): number[] {
  if (awake.length <= slots) return [];
  return awake
    .filter((u) => canSleep(u) && now - lastActive[u]! >= pressureIdle)
    .sort((a, b) => lastActive[a]! - lastActive[b]! || a - b)
    .slice(0, awake.length - slots);
}

/**
 * The replay minute by minute with the pressure policy. Each minute: instances idle
 * `idleStopMinutes` sleep; activity wakes sleeping instances; then, while more are awake than
 * `slots`, the longest idle of those idle at least `pressureIdle` sleeps early. WhatsApp users
 * are never put to sleep. Without early sleeps this is the interval replay above, minute for minute.
 */
function simulateWithPressure(inputs: DensityInputs, slots: number, pressureIdle: number): DensityResult {
  const total = inputs.days * 24 * 60;
  const users: UserActivity[] = [];
  replayUsers(inputs, (user) => users.push(user));
  // A burst in the last hour can run past the end: replay it too (its wakes count, as above),
  // but only minutes inside the replay count toward the awake figures.
  let horizon = total;
  for (const { events } of users) if (events.length > 0) horizon = Math.max(horizon, events.at(-1)! + 1);
  // The users active in each minute: active[activeFrom[t] .. activeFrom[t + 1]).
  const activeFrom = new Int32Array(horizon + 1);
  for (const { events } of users) for (const t of events) activeFrom[t + 1]!++;
  for (let t = 0; t < horizon; t++) activeFrom[t + 1]! += activeFrom[t]!;
  const active = new Int32Array(activeFrom[horizon]!);
  const filled = activeFrom.slice(0, horizon);
  users.forEach(({ events }, u) => events.forEach((t) => (active[filled[t]!++] = u)));

  const isAwake = new Uint8Array(users.length);
  const lastActive = new Int32Array(users.length);
  const wakeMinutes = users.map(() => new Set<number>());
  let awakeUsers: number[] = [];
  users.forEach((user, u) => {
    if (!user.alwaysAwake) return;
    isAwake[u] = 1;
    awakeUsers.push(u);
  });
  const canSleep = (u: number) => !users[u]!.alwaysAwake;
  let wakes = 0;
  let pressureSleeps = 0;
  let peakAwake = 0;
  let sum = 0;
  let overcommitMinutes = 0;
  let maxOvercommit = 0;
  for (let t = 0; t < horizon; t++) {
    awakeUsers = awakeUsers.filter((u) => {
      if (!canSleep(u) || t - lastActive[u]! < inputs.idleStopMinutes) return true;
      isAwake[u] = 0;
      return false;
    });
    for (let k = activeFrom[t]!; k < activeFrom[t + 1]!; k++) {
      const u = active[k]!;
      if (!isAwake[u]) {
        isAwake[u] = 1;
        awakeUsers.push(u);
        wakeMinutes[u]!.add(t);
        wakes++;
      }
      lastActive[u] = t;
    }
    if (awakeUsers.length > slots) {
      const sleepers = pressureSleepers(awakeUsers, lastActive, canSleep, t, slots, pressureIdle);
      for (const u of sleepers) isAwake[u] = 0;
      awakeUsers = awakeUsers.filter((u) => isAwake[u]);
      pressureSleeps += sleepers.length;
    }
    if (t >= total) continue;
    const awake = awakeUsers.length;
    if (awake > peakAwake) peakAwake = awake;
    sum += awake;
    if (awake > slots) {
      overcommitMinutes++;
      maxOvercommit = Math.max(maxOvercommit, awake - slots);
    }
  }
  let bursts = 0;
  let burstsFindingAsleep = 0;
  users.forEach((user, u) => {
    bursts += user.bursts.length;
    burstsFindingAsleep += burstsWaking(user.bursts, wakeMinutes[u]!);
  });
  return { peakAwake, meanAwake: sum / total, wakes, bursts, burstsFindingAsleep, pressureSleeps, overcommitMinutes, maxOvercommit };
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

/**
 * How many instances fit awake next to `users` registered users: each awake instance costs
 * `awakeBytes` instead of `asleepBytes`, as in `peakBytesWithSleep`.
 */
export function awakeSlots(users: number, m: MachineFigures): number {
  return Math.floor((m.budgetBytes - users * m.asleepBytes) / (m.awakeBytes - m.asleepBytes));
}

/**
 * Most registered users that fit with sleep under memory pressure: the replay with the policy has
 * no overcommitted minute. Memory is at most the budget exactly when the awake instances fit
 * `awakeSlots`, and the policy only lets them exceed the slots when no awake instance is idle
 * `pressureIdleMinutes` (the wake goes ahead over budget); so with no overcommitted minute the
 * budget is never exceeded, and one user more would exceed it in some minute.
 *
 * An instance idle less than `pressureIdleMinutes` cannot be put to sleep early, so the awake
 * floor in a minute is the users active in the last min(idle stop, pressure idle) minutes: this
 * capacity is `sleepingCapacity` at that idle stop, while instances stay awake the full idle stop
 * whenever there is room.
 */
export function sleepingCapacityUnderPressure(
  base: Omit<DensityInputs, "users" | "awakeSlots" | "pressureIdleMinutes">,
  m: MachineFigures,
  pressureIdleMinutes: number,
  maxUsers = 100_000,
): number {
  const fits = (users: number) =>
    simulateDensity({ ...base, users, awakeSlots: awakeSlots(users, m), pressureIdleMinutes }).overcommitMinutes === 0;
  // Doubling, then a binary search: the minute-by-minute replay is too slow for the tens of
  // thousands of users a plain binary search up to maxUsers would try first.
  let lo = 0;
  let hi = 1;
  while (hi <= maxUsers && fits(hi)) {
    lo = hi;
    hi = Math.min(hi * 2, maxUsers + 1);
  }
  hi -= 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
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
