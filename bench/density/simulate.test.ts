import { describe, expect, it } from "vitest";
import {
  alwaysOnCapacity,
  awakeSlots,
  percentile,
  peakBytesWithSleep,
  pressureSleepers,
  simulateDensity,
  sleepingCapacity,
  sleepingCapacityUnderPressure,
  type DensityInputs,
} from "./simulate.ts";

const base: DensityInputs = {
  users: 200,
  activeHourShare: 0.1,
  idleStopMinutes: 30,
  cronUserShare: 0.2,
  cronLeadMinutes: 2,
  alwaysAwakeShare: 0,
  days: 2,
  seed: 7,
};
const GiB = 1024 ** 3;
const machine = { budgetBytes: 20 * GiB, awakeBytes: 1.2 * GiB, asleepBytes: 2 * 1024 ** 2 };

describe("density simulation", () => {
  it("has nobody awake when nobody writes and no job runs", () => {
    expect(simulateDensity({ ...base, activeHourShare: 0, cronUserShare: 0 })).toMatchObject({ peakAwake: 0, wakes: 0 });
  });

  it("keeps every WhatsApp user who did not opt in awake all the time", () => {
    const r = simulateDensity({ ...base, activeHourShare: 0, cronUserShare: 0, alwaysAwakeShare: 1 });
    expect(r.peakAwake).toBe(base.users);
    expect(r.meanAwake).toBe(base.users);
  });

  it("is repeatable for one seed and differs for another", () => {
    expect(simulateDensity(base)).toEqual(simulateDensity(base));
    expect(simulateDensity({ ...base, seed: 8 })).not.toEqual(simulateDensity(base));
  });

  it("keeps more instances awake with a longer idle stop", () => {
    const short = simulateDensity({ ...base, idleStopMinutes: 5 });
    const long = simulateDensity({ ...base, idleStopMinutes: 120 });
    expect(long.meanAwake).toBeGreaterThan(short.meanAwake);
    expect(long.wakes).toBeLessThan(short.wakes);
  });

  it("fits about as many users as always-on when everyone is always active", () => {
    const busy = { ...base, activeHourShare: 1, idleStopMinutes: 120 };
    const cap = sleepingCapacity(busy, machine, 1000);
    expect(cap).toBeGreaterThanOrEqual(alwaysOnCapacity(machine) - 1);
    expect(cap).toBeLessThanOrEqual(alwaysOnCapacity(machine) + 1);
  });

  it("fits more users with sleeping at 10 % hourly activity, and the capacity's peak fits the budget", () => {
    const { users: _users, ...rest } = base;
    const cap = sleepingCapacity(rest, machine, 5000);
    expect(cap).toBeGreaterThan(alwaysOnCapacity(machine));
    expect(peakBytesWithSleep({ ...rest, users: cap }, machine).peakBytes).toBeLessThanOrEqual(machine.budgetBytes);
    expect(peakBytesWithSleep({ ...rest, users: cap + 1 }, machine).peakBytes).toBeGreaterThan(machine.budgetBytes);
  });

  it("with room for everyone, the pressure replay is the plain replay", () => {
    const plain = simulateDensity(base);
    expect(simulateDensity({ ...base, awakeSlots: base.users, pressureIdleMinutes: 10 })).toEqual(plain);
    expect(plain.bursts).toBeGreaterThan(0);
    expect(plain.burstsFindingAsleep).toBeGreaterThan(0);
  });

  it("needs both pressure inputs", () => {
    expect(() => simulateDensity({ ...base, awakeSlots: 10 })).toThrow();
    expect(() => simulateDensity({ ...base, pressureIdleMinutes: 10 })).toThrow();
  });

  // Busier users, so that an instance kept awake is often met by the next burst.
  const busy = { ...base, activeHourShare: 0.5 };
  const plain30 = simulateDensity(busy);
  const plain10 = simulateDensity({ ...busy, idleStopMinutes: 10 });
  const underPressure = (slots: number) => simulateDensity({ ...busy, awakeSlots: slots, pressureIdleMinutes: 10 });

  it("sleeps instances early as the slots shrink, and more bursts meet a sleeping assistant", () => {
    const slots = [plain30.peakAwake, Math.round((plain30.peakAwake + plain10.peakAwake) / 2), plain10.peakAwake];
    const runs = slots.map(underPressure);
    expect(runs[0]!.pressureSleeps).toBe(0);
    for (const [i, r] of runs.entries()) {
      expect(r.overcommitMinutes).toBe(0);
      expect(r.peakAwake).toBeLessThanOrEqual(slots[i]!);
      // Only instances the 30m idle stop keeps awake, and at least those awake with a 10m idle stop.
      expect(r.burstsFindingAsleep).toBeGreaterThanOrEqual(plain30.burstsFindingAsleep);
      expect(r.burstsFindingAsleep).toBeLessThanOrEqual(plain10.burstsFindingAsleep);
      if (i === 0) continue;
      expect(r.pressureSleeps).toBeGreaterThan(runs[i - 1]!.pressureSleeps);
      expect(r.burstsFindingAsleep).toBeGreaterThan(runs[i - 1]!.burstsFindingAsleep);
    }
  });

  it("overcommits by what the users active in the last pressure idle minutes exceed the slots", () => {
    // Those cannot be put to sleep early: at most, they are the 10m idle stop's peak.
    const r = underPressure(plain10.peakAwake - 3);
    expect(r.overcommitMinutes).toBeGreaterThan(0);
    expect(r.maxOvercommit).toBe(3);
    expect(r.peakAwake).toBe(plain10.peakAwake);
  });

  it("sleeps early the longest idle first, only those idle long enough, only as many as needed", () => {
    // Idle at minute 100: user 0 50m, 1 90m, 2 70m, 3 5m, 4 95m (WhatsApp).
    const lastActive = [50, 10, 30, 95, 5];
    const canSleep = (u: number) => u !== 4;
    expect(pressureSleepers([0, 1, 2, 3, 4], lastActive, canSleep, 100, 3, 10)).toEqual([1, 2]);
    expect(pressureSleepers([0, 1, 2, 3, 4], lastActive, canSleep, 100, 0, 10)).toEqual([1, 2, 0]);
    expect(pressureSleepers([0, 1, 2, 3, 4], lastActive, canSleep, 100, 5, 10)).toEqual([]);
  });

  it("never puts a WhatsApp user who did not opt in to sleep", () => {
    const all = simulateDensity({ ...base, alwaysAwakeShare: 1, awakeSlots: 0, pressureIdleMinutes: 1 });
    expect(all).toMatchObject({ peakAwake: base.users, meanAwake: base.users, pressureSleeps: 0, maxOvercommit: base.users });
    // With some: the others sleep early, yet never a minute fits no slot at all.
    const some = simulateDensity({ ...base, alwaysAwakeShare: 0.3, awakeSlots: 0, pressureIdleMinutes: 1 });
    expect(some.pressureSleeps).toBeGreaterThan(0);
    expect(some.overcommitMinutes).toBe(base.days * 24 * 60);
  });

  it("fits under pressure (30m idle stop, 10m pressure idle) what a 10m idle stop fits, more than 30m", () => {
    const { users: _users, ...rest } = base;
    const cap = sleepingCapacityUnderPressure(rest, machine, 10, 5000);
    expect(cap).toBe(sleepingCapacity({ ...rest, idleStopMinutes: 10 }, machine, 5000));
    expect(cap).toBeGreaterThan(sleepingCapacity(rest, machine, 5000));
    const replay = (users: number) => simulateDensity({ ...rest, users, awakeSlots: awakeSlots(users, machine), pressureIdleMinutes: 10 });
    expect(replay(cap).overcommitMinutes).toBe(0);
    expect(replay(cap + 1).overcommitMinutes).toBeGreaterThan(0);
  });

  it("percentile is nearest-rank", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(() => percentile([], 95)).toThrow();
  });
});
