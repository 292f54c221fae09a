import { describe, expect, it } from "vitest";
import { expectedBytes, planPressureSleeps, type AwakeInstance } from "./pressure.ts";

const MIN = 60_000;
const now = 1_000_000_000;
const inst = (userId: string, idleMin: number, over: Partial<AwakeInstance> = {}): AwakeInstance => ({
  userId,
  bytes: 100,
  lastActivityAt: now - idleMin * MIN,
  idleStopAfterMs: 30 * MIN,
  running: true,
  ...over,
});

describe("planPressureSleeps", () => {
  it("plans nothing while the awake instances and the newcomer fit the budget", () => {
    const plan = planPressureSleeps({ budgetBytes: 300, needBytes: 100, awake: [inst("a", 60), inst("b", 60)], now, pressureIdleMs: 10 * MIN });
    expect(plan).toEqual({ overBytes: 0, candidates: [] });
  });

  it("offers the instances idle at least the pressure idle time, idle the longest first", () => {
    const plan = planPressureSleeps({
      budgetBytes: 250,
      needBytes: 100,
      awake: [inst("mid", 20), inst("recent", 5), inst("oldest", 50), inst("just-over", 10)],
      now,
      pressureIdleMs: 10 * MIN,
    });
    expect(plan.overBytes).toBe(250);
    expect(plan.candidates.map((c) => c.userId)).toEqual(["oldest", "mid", "just-over"]);
  });

  it("never offers one that never sleeps or is still starting, and lets a shorter own idle time apply", () => {
    const plan = planPressureSleeps({
      budgetBytes: 0,
      needBytes: 0,
      awake: [inst("never", 90, { idleStopAfterMs: 0 }), inst("starting", 90, { running: false }), inst("short-own", 3, { idleStopAfterMs: 2 * MIN })],
      now,
      pressureIdleMs: 10 * MIN,
    });
    expect(plan.overBytes).toBe(300);
    expect(plan.candidates.map((c) => c.userId)).toEqual(["short-own"]);
  });
});

describe("expectedBytes", () => {
  it("is what the instance held when last awake, else the median awake instance, else 0", () => {
    expect(expectedBytes(700, [100, 200, 300])).toBe(700);
    expect(expectedBytes(undefined, [300, 100, 0, 200])).toBe(200);
    expect(expectedBytes(undefined, [])).toBe(0);
  });
});
