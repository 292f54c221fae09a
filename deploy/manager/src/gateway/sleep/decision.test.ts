import { totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, checkSleepPolicy, HttpError } from "@clawbox/shared";
import { cronKeepsAwake, cronWakeAt, decideIdle, idleStopAfterMs, wakingCronAt } from "./decision.ts";
import { ConfigError, loadConfig } from "../../config.ts";

describe("durations", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["250ms", 250],
    ["45", 45_000],
    ["0", 0],
    [" 5m ", 300_000],
  ])("%j is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "m", "-5m", "1.5h", "5 m", "5min", "05m", "1w", "1e3s", "30m "+"x"])("%j is not a duration", (text) => expect(parseDuration(text)).toBeNull());

  it("formats back to the shortest text", () => {
    expect(formatDuration(1_800_000)).toBe("30m");
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(0)).toBe("0");
    expect(formatDuration(1500)).toBe("1500ms");
  });

  it("the Manager reads CLAWBOX_IDLE_STOP_AFTER (default 30m, 0 = off) and names it when bad", () => {
    const base = { OPENCLAW_MANAGER_API_KEY: "k" };
    expect(loadConfig(base).sleep).toMatchObject({ idleStopAfterMs: 1_800_000, cronWakeLeadMs: 120_000, wakeTimeoutMs: 60_000, pressureIdleMs: 600_000 });
    expect(loadConfig({ ...base, CLAWBOX_IDLE_STOP_AFTER: "90s", CLAWBOX_CRON_WAKE_LEAD: "45s" }).sleep).toMatchObject({ idleStopAfterMs: 90_000, cronWakeLeadMs: 45_000 });
    expect(loadConfig({ ...base, CLAWBOX_IDLE_STOP_AFTER: "0" }).sleep.idleStopAfterMs).toBe(0);
    for (const bad of ["soon", "-1m", "2s"]) {
      let err: unknown;
      try {
        loadConfig({ ...base, CLAWBOX_IDLE_STOP_AFTER: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe("CLAWBOX_IDLE_STOP_AFTER");
    }
  });

  it("the memory limit of awake instances: the machine less 2 GiB by default, a quantity, or off; local runtime only", () => {
    const base = { OPENCLAW_MANAGER_API_KEY: "k" };
    expect(loadConfig(base).sleep.awakeMemoryBytes).toBe(Math.max(0, totalmem() - 2 * 2 ** 30));
    expect(loadConfig({ ...base, CLAWBOX_AWAKE_MEMORY: "12Gi", CLAWBOX_IDLE_STOP_UNDER_PRESSURE: "5m" }).sleep).toMatchObject({ awakeMemoryBytes: 12 * 2 ** 30, pressureIdleMs: 300_000 });
    expect(loadConfig({ ...base, CLAWBOX_AWAKE_MEMORY: "off" }).sleep.awakeMemoryBytes).toBe(0);
    const k8s = { ...base, OPENCLAW_RUNTIME: "kubernetes", OPENCLAW_TOKEN_SECRET: "another-secret-of-32-characters-x" };
    expect(loadConfig(k8s).sleep.awakeMemoryBytes).toBe(0);
    for (const [env, variable] of [
      [{ CLAWBOX_AWAKE_MEMORY: "lots" }, "CLAWBOX_AWAKE_MEMORY"],
      [{ CLAWBOX_AWAKE_MEMORY: "100" }, "CLAWBOX_AWAKE_MEMORY"],
      [{ ...k8s, CLAWBOX_AWAKE_MEMORY: "12Gi" }, "CLAWBOX_AWAKE_MEMORY"],
      [{ CLAWBOX_IDLE_STOP_UNDER_PRESSURE: "soon" }, "CLAWBOX_IDLE_STOP_UNDER_PRESSURE"],
    ] as const) {
      expect(() => loadConfig({ ...base, ...env })).toThrow(expect.objectContaining({ name: "ConfigError", variable }));
    }
  });

  it("a per-instance idle time is refused as a 400 naming the field and rule", () => {
    expect(() => checkSleepPolicy({ idleStopAfter: "1s" })).toThrow(HttpError);
    try {
      checkSleepPolicy({ idleStopAfter: "1s" }, "sleepPolicy.");
    } catch (e) {
      expect((e as HttpError).toBody()).toMatchObject({ field: "sleepPolicy.idleStopAfter", rule: "minimum" });
    }
    expect(checkSleepPolicy({ idleStopAfter: "0" })).toEqual({ idleStopAfter: "0" });
    expect(checkSleepPolicy({ idleStopAfter: null, sleepWithWhatsApp: true })).toEqual({ idleStopAfter: null, sleepWithWhatsApp: true });
  });
});

describe("the idle decision", () => {
  const now = 10_000_000;
  const base = { now, idleStopAfterMs: 60_000, managerActivityAt: now - 120_000, cronWakeLeadMs: 120_000, sleepWithWhatsApp: false };

  it("0 never sleeps", () => expect(decideIdle({ ...base, idleStopAfterMs: 0, agentActivityAt: 0 })).toMatchObject({ sleep: false, reason: "never" }));

  it("recent traffic through the Manager keeps it awake until the idle time has passed since", () => {
    expect(decideIdle({ ...base, managerActivityAt: now - 10_000 })).toEqual({ sleep: false, reason: "active", recheckAt: now + 50_000 });
  });

  it("asks the agent before deciding to sleep, and the agent's activity counts too", () => {
    expect(decideIdle(base)).toEqual({ sleep: "ask-agent" });
    expect(decideIdle({ ...base, agentActivityAt: now - 30_000 })).toEqual({ sleep: false, reason: "agent-active", recheckAt: now + 30_000 });
    expect(decideIdle({ ...base, agentActivityAt: now - 61_000 })).toEqual({ sleep: true });
  });

  it("a cron job within the lead time keeps it awake until it has run; a later one does not", () => {
    const idle = { ...base, agentActivityAt: now - 61_000 };
    expect(decideIdle({ ...idle, nextCronAtMs: now + 90_000 })).toEqual({ sleep: false, reason: "cron-due", recheckAt: now + 91_000 });
    expect(decideIdle({ ...idle, nextCronAtMs: now + 5 * 60_000 })).toEqual({ sleep: true });
  });

  it("linked WhatsApp keeps it awake unless its user opted in", () => {
    const idle = { ...base, agentActivityAt: now - 61_000, whatsappLinked: true };
    expect(decideIdle(idle)).toMatchObject({ sleep: false, reason: "whatsapp" });
    expect(decideIdle({ ...idle, sleepWithWhatsApp: true })).toEqual({ sleep: true });
  });

  it("an instance's own idle time wins over the Manager's default", () => {
    expect(idleStopAfterMs({}, 1_800_000)).toBe(1_800_000);
    expect(idleStopAfterMs({ sleepPolicy: { idleStopAfter: "5s" } }, 1_800_000)).toBe(5000);
    expect(idleStopAfterMs({ sleepPolicy: { idleStopAfter: "0" } }, 1_800_000)).toBe(0);
  });
});

describe("cron lead", () => {
  it("a sleeping instance wakes the lead time before its next job", () => {
    expect(cronWakeAt(1_000_000, 120_000)).toBe(880_000);
  });
  it("a job due within the lead time, or overdue, keeps it awake", () => {
    expect(cronKeepsAwake(1_000_000, 120_000, 880_000)).toBe(true);
    expect(cronKeepsAwake(1_000_000, 120_000, 879_999)).toBe(false);
    expect(cronKeepsAwake(1_000_000, 120_000, 2_000_000)).toBe(true);
    expect(cronKeepsAwake(undefined, 120_000, 0)).toBe(false);
  });
});

describe("which cron jobs wake it", () => {
  it("the user's enabled jobs do; the heartbeat and plugin-declared upkeep jobs do not", () => {
    expect(
      wakingCronAt([
        { name: "heartbeat-main", declarationKey: "heartbeat:main", payload: { kind: "heartbeat" }, nextRunAtMs: 100 },
        { declarationKey: "memory-core:memory-dreaming-promotion", payload: { kind: "agentTurn" }, nextRunAtMs: 200 },
        { payload: { kind: "agentTurn" }, nextRunAtMs: 900, enabled: false },
        { payload: { kind: "agentTurn" }, nextRunAtMs: 700 },
        { payload: { kind: "systemEvent" }, nextRunAtMs: 500 },
        { payload: { kind: "agentTurn" }, nextRunAtMs: null },
      ] as never),
    ).toBe(500);
    expect(wakingCronAt([{ payload: { kind: "heartbeat" }, nextRunAtMs: 1 }])).toBeUndefined();
    expect(wakingCronAt([])).toBeUndefined();
  });
});
