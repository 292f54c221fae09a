import { describe, expect, it } from "vitest";
import { alwaysOnCapacity, percentile, peakBytesWithSleep, simulateDensity, sleepingCapacity, type DensityInputs } from "./simulate.ts";

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

  it("percentile is nearest-rank", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(() => percentile([], 95)).toThrow();
  });
});
