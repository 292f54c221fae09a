/**
 * The sleep loop against a fake runtime and a fake pod agent (a local HTTP server answering
 * /activity, /rpc and /wake-sources): when it sleeps, what keeps it awake, and what wakes it.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type InstanceRuntime, type InstanceStatus, type SleepFacts } from "@clawbox/shared";
import { SleepController, WAKE_GRACE_MS } from "./controller.ts";

const agent = { lastActivityAt: 0, nextWakeAtMs: null as number | null, whatsappLinked: false, token: null as string | null, busy: 0, resumed: 0 };
let server: Server;
let agentUrl = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const send = (v: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
      if (req.url === "/activity") return send({ lastActivityAt: new Date(agent.lastActivityAt).toISOString() });
      if (req.url === "/wake-sources") return send({ telegramBotToken: agent.token });
      const { method } = JSON.parse(body || "{}");
      if (method === "gateway.suspend.prepare") {
        return send({ ok: true, payload: agent.busy > 0 ? { status: "busy", reason: "active-work", activeCount: agent.busy } : { status: "ready", suspensionId: "s-1" } });
      }
      if (method === "gateway.suspend.resume") return (agent.resumed++, send({ ok: true, payload: { status: "resumed" } }));
      if (method === "cron.list") {
        const jobs = [{ declarationKey: "heartbeat:main", payload: { kind: "heartbeat" }, nextRunAtMs: Date.now() + 1000 }];
        if (agent.nextWakeAtMs !== null) jobs.push({ payload: { kind: "agentTurn" }, nextRunAtMs: agent.nextWakeAtMs } as never);
        return send({ ok: true, payload: { jobs } });
      }
      if (method === "channels.status") {
        return send({ ok: true, payload: { channels: { whatsapp: { configured: agent.whatsappLinked, linked: agent.whatsappLinked, connected: agent.whatsappLinked } } } });
      }
      send({ ok: false, error: { code: "INVALID_REQUEST", message: `unknown ${method}` } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  agentUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** One instance whose phase the test sets; sleep/wake record what they were asked. */
function fakeRuntime(policy?: InstanceStatus["sleepPolicy"]) {
  const st = { phase: "running" as InstanceStatus["phase"], facts: null as SleepFacts | null, sleeps: 0, wakes: 0 };
  const status = (): InstanceStatus => ({ userId: "u1", ready: st.phase === "running", phase: st.phase, pods: [], ...(policy ? { sleepPolicy: policy } : {}) });
  const runtime = {
    list: async () => [status()],
    get: async (u: string) => (u === "u1" ? status() : null),
    endpoint: async () => ({ agentUrl, agentToken: "t" }),
    sleep: async (_u: string, f: SleepFacts) => ((st.facts = f), st.sleeps++, (st.phase = "sleeping"), status()),
    wake: async () => ((st.facts = null), st.wakes++, (st.phase = "pending"), status()),
    sleepFacts: async () => (st.phase === "sleeping" ? st.facts : null),
  } as unknown as InstanceRuntime;
  return { runtime, st };
}

function controller(runtime: InstanceRuntime, idle = 60_000, lead = 120_000) {
  return new SleepController({
    config: { sleep: { idleStopAfterMs: idle, cronWakeLeadMs: lead, wakeTimeoutMs: 5000, awakeMemoryBytes: 0, pressureIdleMs: 600_000 }, gateway: { providerBaseUrls: {}, telegramApiRoot: "http://127.0.0.1:9" } },
    runtime,
    logger: createLogger("sleep-test", { level: "silent" }),
  });
}

describe("the sleep loop", () => {
  it("sleeps an instance idle by the Manager's record and the agent's, recording its next cron job", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime);
    const now = Date.now() + 120_000; // the Manager started over the idle time ago
    agent.lastActivityAt = now - 61_000;
    agent.nextWakeAtMs = now + 10 * 60_000;
    await c.tick(now);
    expect(st.sleeps).toBe(1);
    expect(st.facts?.nextCronAt).toBe(new Date(agent.nextWakeAtMs).toISOString());
    expect(st.facts?.telegram).toBeUndefined();
  });

  it("stays awake while the agent reports recent activity, a cron job is near, or WhatsApp is linked (unless opted in)", async () => {
    const now = Date.now() + 120_000;
    for (const [setup, expected] of [
      [() => ((agent.lastActivityAt = now - 10_000), (agent.nextWakeAtMs = null), (agent.whatsappLinked = false)), 0],
      [() => ((agent.lastActivityAt = now - 61_000), (agent.nextWakeAtMs = now + 60_000), (agent.whatsappLinked = false)), 0],
      [() => ((agent.lastActivityAt = now - 61_000), (agent.nextWakeAtMs = null), (agent.whatsappLinked = true)), 0],
    ] as const) {
      setup();
      const { runtime, st } = fakeRuntime();
      await controller(runtime).tick(now);
      expect(st.sleeps).toBe(expected);
    }
    const optedIn = fakeRuntime({ sleepWithWhatsApp: true });
    await controller(optedIn.runtime).tick(now);
    expect(optedIn.st.sleeps).toBe(1);
    agent.whatsappLinked = false;
  });

  it("stays awake while the gateway still has work running (its suspend fence says busy), and while a request is open", async () => {
    const now = Date.now() + 120_000;
    agent.lastActivityAt = now - 61_000;
    agent.nextWakeAtMs = null;
    agent.busy = 2;
    const busy = fakeRuntime();
    await controller(busy.runtime).tick(now);
    expect(busy.st.sleeps).toBe(0);
    agent.busy = 0;

    const open = fakeRuntime();
    const c = controller(open.runtime);
    const done = c.activity.begin("u1"); // e.g. a chat stream, older than the idle time
    await c.tick(now);
    expect(open.st.sleeps).toBe(0);
    done();
    await c.tick(now + 120_000);
    expect(open.st.sleeps).toBe(1);
  });

  it("wakes a sleeping instance the lead time before its cron job, not earlier", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime, 60_000, 120_000);
    st.phase = "sleeping";
    const due = Date.now() + 10 * 60_000;
    st.facts = { since: new Date().toISOString(), nextCronAt: new Date(due).toISOString() };
    await c.tick(due - 121_000);
    expect(st.wakes).toBe(0);
    await c.tick(due - 120_000);
    expect(st.wakes).toBe(1);
    expect(c.wakes.map((w) => w.reason)).toEqual(["cron"]);
  });

  it("an instance that just ran again gets the wake grace before the next idle check", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime, 5000);
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString() };
    const t0 = Date.now() + 60_000;
    agent.lastActivityAt = 0;
    agent.nextWakeAtMs = null;
    await c.tick(t0);
    await c.wake("u1", "telegram");
    st.phase = "running";
    await c.tick(t0 + 1000);
    await c.tick(t0 + WAKE_GRACE_MS);
    expect(st.sleeps).toBe(0);
    await c.tick(t0 + 1000 + WAKE_GRACE_MS + 1);
    expect(st.sleeps).toBe(1);
  });

  it("a Telegram watch runs only while the instance sleeps: none is started during a wake, and one left over is stopped", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime);
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString(), telegram: true, telegramBotToken: "123:abc" };
    await c.tick();
    expect(c.watching("u1")).toBe(true);
    const waking = c.wake("u1", "telegram");
    await c.tick(); // a pass during the wake must not start a second watch
    await waking;
    expect(c.watching("u1")).toBe(false);
    st.phase = "running";
    await c.tick();
    expect(c.watching("u1")).toBe(false);
    await c.stop();
  });

  it("a sleeping instance with a Telegram bot whose token this Manager does not know (Kubernetes, after a restart) is woken once to learn it", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime);
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString(), telegram: true };
    await c.tick();
    expect(st.wakes).toBe(1);
    expect(c.wakes.map((w) => w.reason)).toEqual(["telegram-token-unknown"]);
  });

  it("woken and put to sleep again before a pass saw it running, it still wakes for its cron job", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime);
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString() };
    await c.wake("u1", "request");
    st.phase = "running"; // up between two passes, then asked to sleep: no pass saw it running
    agent.nextWakeAtMs = Date.now() + 10 * 60_000;
    await c.sleepNow("u1");
    expect(st.phase).toBe("sleeping");
    await c.tick(agent.nextWakeAtMs - 60_000); // inside the 2-minute lead
    expect(c.wakes.map((w) => w.reason)).toEqual(["request", "cron"]);
    agent.nextWakeAtMs = null;
  });

  it("a request for a sleeping instance wakes it and waits for it to run, reporting progress", async () => {
    const { runtime, st } = fakeRuntime();
    const c = controller(runtime);
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString() };
    const progress: string[] = [];
    const served = c.ensureAwake("u1", (p) => progress.push(p));
    setTimeout(() => (st.phase = "running"), 600);
    await served;
    expect(st.wakes).toBe(1);
    expect(progress[0]).toBe("waking");
    expect(progress.at(-1)).toBe("awake");
    // Awake: nothing to do, no second wake.
    await c.ensureAwake("u1");
    expect(st.wakes).toBe(1);
  });

  it("a wake that does not reach running within the wake timeout is a 504 naming the phase", async () => {
    const { runtime, st } = fakeRuntime();
    const c = new SleepController({
      config: { sleep: { idleStopAfterMs: 60_000, cronWakeLeadMs: 120_000, wakeTimeoutMs: 500, awakeMemoryBytes: 0, pressureIdleMs: 600_000 }, gateway: { providerBaseUrls: {} } },
      runtime,
      logger: createLogger("sleep-test", { level: "silent" }),
    });
    st.phase = "sleeping";
    st.facts = { since: new Date().toISOString() };
    await expect(c.ensureAwake("u1")).rejects.toMatchObject({ status: 504, details: { phase: "pending" } });
  });
});

describe("sleep under memory pressure", () => {
  const GiB = 2 ** 30;
  /** Several instances, each with the memory the test gives it; sleeping frees it. */
  function fleet(bytes: Record<string, number>, phases: Record<string, InstanceStatus["phase"]> = {}) {
    const phase = new Map(Object.keys(bytes).map((u) => [u, phases[u] ?? ("running" as InstanceStatus["phase"])]));
    const slept: string[] = [];
    const status = (u: string): InstanceStatus => ({ userId: u, ready: phase.get(u) === "running", phase: phase.get(u)!, pods: [] });
    const runtime = {
      list: async () => [...phase.keys()].map(status),
      get: async (u: string) => (phase.has(u) ? status(u) : null),
      endpoint: async () => ({ agentUrl, agentToken: "t" }),
      sleep: async (u: string) => (slept.push(u), phase.set(u, "sleeping"), status(u)),
      wake: async (u: string) => (phase.set(u, "pending"), status(u)),
      sleepFacts: async (u: string) => (phase.get(u) === "sleeping" ? { since: new Date().toISOString() } : null),
      memoryBytes: (u: string) => (phase.get(u) === "sleeping" ? 0 : bytes[u]!),
    } as unknown as InstanceRuntime;
    return { runtime, slept, phase };
  }
  function pressured(runtime: InstanceRuntime, budget: number) {
    return new SleepController({
      config: { sleep: { idleStopAfterMs: 30 * 60_000, cronWakeLeadMs: 120_000, wakeTimeoutMs: 5000, awakeMemoryBytes: budget, pressureIdleMs: 10 * 60_000 }, gateway: { providerBaseUrls: {} } },
      runtime,
      logger: createLogger("sleep-test", { level: "silent" }),
    });
  }

  it("a wake that would go over the limit puts the instance idle the longest to sleep, and only as many as needed", async () => {
    agent.lastActivityAt = 0;
    agent.nextWakeAtMs = null;
    agent.whatsappLinked = false;
    const { runtime, slept } = fleet({ old: 1 * GiB, older: 1 * GiB, recent: 1 * GiB, sleeper: 1 * GiB }, { sleeper: "sleeping" });
    const c = pressured(runtime, 3.5 * GiB);
    const now = Date.now();
    c.activity.touch("older", now - 40 * 60_000);
    c.activity.touch("old", now - 20 * 60_000);
    c.activity.touch("recent", now - 60_000);
    await c.wake("sleeper", "request");
    await c.makeRoom("sleeper"); // the wake's own pass runs first: this one waits for it, then finds room
    expect(slept).toEqual(["older"]);
    expect(c.pressureSleeps.map((p) => p.userId)).toEqual(["older"]);
  });

  it("never puts to sleep an instance used within CLAWBOX_IDLE_STOP_UNDER_PRESSURE, or one the agent reports active", async () => {
    agent.nextWakeAtMs = null;
    const { runtime, slept } = fleet({ a: 1 * GiB, b: 1 * GiB, c: 1 * GiB }, { c: "sleeping" });
    const c = pressured(runtime, 1 * GiB);
    const now = Date.now();
    c.activity.touch("a", now - 5 * 60_000); // idle 5 min: too recent
    c.activity.touch("b", now - 15 * 60_000); // idle 15 min by the Manager's record...
    agent.lastActivityAt = now - 60_000; // ...but the gateway had a Telegram message a minute ago
    await c.makeRoom("c");
    expect(slept).toEqual([]);
    agent.lastActivityAt = now - 15 * 60_000;
    await c.makeRoom("c");
    expect(slept).toEqual(["b"]);
  });

  it("counts a starting instance at the size it will have, and does nothing within the limit or without one", async () => {
    agent.lastActivityAt = 0;
    agent.nextWakeAtMs = null;
    const now = Date.now();
    // "starting" holds little yet; counted at the running ones' median (1 GiB), 3 GiB in all with the newcomer.
    const within = fleet({ idle: 1 * GiB, starting: 0.1 * GiB, next: 0 }, { starting: "starting", next: "sleeping" });
    const c1 = pressured(within.runtime, 3 * GiB);
    c1.activity.touch("idle", now - 60 * 60_000);
    await c1.makeRoom("next");
    expect(within.slept).toEqual([]);
    const tight = pressured(within.runtime, 2.9 * GiB);
    tight.activity.touch("idle", now - 60 * 60_000);
    await tight.makeRoom("next");
    expect(within.slept).toEqual(["idle"]);

    const off = fleet({ x: 8 * GiB, y: 0 }, { y: "sleeping" });
    const c0 = pressured(off.runtime, 0);
    c0.activity.touch("x", now - 60 * 60_000);
    await c0.makeRoom("y");
    expect(off.slept).toEqual([]);
  });

  it("the regular pass keeps the limit too: instances that grew over it sleep, idle the longest first", async () => {
    agent.lastActivityAt = 0;
    agent.nextWakeAtMs = null;
    const { runtime, slept } = fleet({ a: 2 * GiB, b: 2 * GiB });
    const c = pressured(runtime, 3 * GiB);
    const now = Date.now();
    c.activity.touch("a", now - 12 * 60_000);
    c.activity.touch("b", now - 11 * 60_000);
    await c.tick(now);
    expect(slept).toEqual(["a"]);
  });
});
