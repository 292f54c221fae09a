import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@clawbox/shared";
import { readProc } from "@clawbox/shared/proc";
import type { Launcher } from "./launcher.ts";
import { instanceLayout } from "./layout.ts";
import { StartQueue } from "./start-queue.ts";
import type { InstanceRecord } from "./store.ts";
import { InstanceSupervisor } from "./supervisor.ts";

const dir = mkdtempSync(join(tmpdir(), "clawbox-supervisor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A launcher whose "gateway" is this test process; the test decides when it exits and how. */
function fakeLauncher() {
  const self = { pid: process.pid, startTime: readProc(process.pid)!.startTime, startedAt: new Date().toISOString() };
  const state = { spawns: 0, ooms: 0, exit: undefined as undefined | ((code: number | null, signal: NodeJS.Signals | null) => void) };
  const launcher = {
    isolated: true,
    stopAll: async () => undefined,
    prepare: () => undefined,
    protect: () => undefined,
    oomKills: () => state.ooms,
    spawnGateway: (_t: unknown, _env: unknown, onExit: (code: number | null, signal: NodeJS.Signals | null) => void) => {
      state.spawns++;
      state.exit = onExit;
      return self;
    },
    spawnAgent: () => self,
  } as unknown as Launcher;
  return { launcher, state };
}

function supervisor(launcher: Launcher, extra: Partial<InstanceRecord> = {}) {
  const record: InstanceRecord = { userId: "sup-test", index: 0, createdAt: new Date().toISOString(), restartCount: 0, ...extra };
  return new InstanceSupervisor(record, instanceLayout(dir, record.userId, 0, 30000), {
    launcher,
    queue: new StartQueue(1),
    log: createLogger("supervisor-test", { level: "silent" }),
    limits: () => ({ memoryBytes: 2 ** 31, pids: 100 }),
    prepareConfig: async () => undefined,
    gatewayEnv: () => ({}),
    agentEnv: () => ({}),
    agentMain: () => "main.js",
    persist: () => undefined,
    backoffMs: 20,
    backoffMaxMs: 80,
    stopGraceMs: 10,
  });
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe("InstanceSupervisor", () => {
  it("restarts a crashed gateway with back-off, shows CrashLoopBackOff as error from the 3rd crash, and recovers", async () => {
    const { launcher, state } = fakeLauncher();
    const sup = supervisor(launcher);
    await sup.start();
    expect(state.spawns).toBe(1);
    await sup.poll(async () => true);
    expect(sup.phase).toBe("running");

    state.exit!(1, null); // crash 1: restarting, not error yet
    await until(() => sup.record.restartCount === 1);
    expect(sup.phase).toBe("starting");
    expect(sup.lastState).toMatchObject({ status: "terminated", reason: "Error", exitCode: 1 });
    await until(() => state.spawns === 2);

    state.exit!(1, null);
    await until(() => state.spawns === 3);
    state.exit!(null, "SIGKILL"); // crash 3 in a row: a crash loop
    await until(() => sup.record.restartCount === 3);
    expect(sup.phase).toBe("error");
    expect(sup.message).toMatch(/^CrashLoopBackOff: back-off/);
    expect(sup.lastState).toMatchObject({ reason: "Error", exitCode: 137 });

    await until(() => state.spawns === 4); // still retried
    await sup.poll(async () => true);
    expect(sup.phase).toBe("running"); // recovered by itself
    expect(sup.message).toBeUndefined();
    await sup.stop();
  });

  it("reports an exit after an OOM kill in the instance's cgroup as OOMKilled", async () => {
    const { launcher, state } = fakeLauncher();
    const sup = supervisor(launcher);
    await sup.start();
    state.ooms++;
    await sup.poll(async () => false); // the supervisor notices the OOM kill and stops the instance
    await until(() => sup.record.restartCount === 1);
    expect(sup.lastState).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    await until(() => state.spawns === 2);
    await sup.stop();
  });

  it("a late exit event of a process set it already handled is not a second crash", async () => {
    const { launcher, state } = fakeLauncher();
    const sup = supervisor(launcher);
    await sup.start();
    const firstExit = state.exit!;
    firstExit(1, null);
    await until(() => state.spawns === 2);
    firstExit(1, null); // stale
    await new Promise((r) => setTimeout(r, 100));
    expect(sup.record.restartCount).toBe(1);
    await sup.stop();
  });

  it("a sleeping instance is not restarted when its gateway exits or by a poll, and starts again on wake without counting a restart", async () => {
    const { launcher, state } = fakeLauncher();
    const sup = supervisor(launcher);
    await sup.start();
    await sup.poll(async () => true);
    const exitOfAwake = state.exit!;
    await sup.sleep();
    expect(sup.phase).toBe("sleeping");
    exitOfAwake(0, null); // the stopped gateway's exit event
    await sup.poll(async () => true);
    await new Promise((r) => setTimeout(r, 100));
    expect(state.spawns).toBe(1);
    expect(sup.phase).toBe("sleeping");
    expect(sup.record.restartCount).toBe(0);

    await sup.wake();
    expect(state.spawns).toBe(2);
    await sup.poll(async () => true);
    expect(sup.phase).toBe("running");
    expect(sup.record.restartCount).toBe(0);
    await sup.stop();
  });

  it("a Manager restart keeps a sleeping instance (record.sleep) asleep: nothing is started", async () => {
    const { launcher, state } = fakeLauncher();
    const sup = supervisor(launcher, { sleep: { since: new Date().toISOString() } });
    sup.adopt();
    await new Promise((r) => setTimeout(r, 50));
    await sup.poll(async () => true);
    expect(state.spawns).toBe(0);
    expect(sup.phase).toBe("sleeping");
    expect(sup.sleeping).toBe(true);
  });
});
