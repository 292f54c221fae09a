/**
 * POST /api/instances/:userId/restart on the local runtime: a real OpenClaw gateway process is
 * restarted, not deleted; the instance keeps its state dir (data, channels, config) and comes
 * back running with new processes.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../src/runtime/local/index.ts";
import { untilRunning } from "./harness.ts";
import { type LocalManager, startLocalManager } from "./local-manager.ts";

const API_KEY = "test-manager-key-local-restart";
const USER = "restart-local";
const auth = { authorization: `Bearer ${API_KEY}` };
let manager: LocalManager;
let dataDir: string;
let runtime: LocalRuntime;
let app: FastifyInstance;

const running = () => untilRunning(runtime, USER);

beforeAll(async () => {
  manager = await startLocalManager({ apiKey: API_KEY, users: [USER] });
  ({ app, runtime, dataDir } = manager);
});

afterAll(async () => {
  await manager?.close();
});

describe("restart on the local runtime", () => {
  it("restarts the processes and keeps the state dir", async () => {
    expect((await app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId: USER } })).statusCode).toBe(201);
    const first = await running();
    const before = runtime.processes(USER)!;
    const stateDir = join(dataDir, "instances", USER, "state");
    const marker = join(stateDir, "restart-marker.txt");
    writeFileSync(marker, "kept");
    const config = readFileSync(join(stateDir, "openclaw.json"), "utf8");

    const res = await app.inject({ method: "POST", url: `/api/instances/${USER}/restart`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().userId).toBe(USER);
    expect(res.json().pods[0].restartCount).toBe(first.pods[0]!.restartCount + 1);
    expect(res.json().phase).not.toBe("running");

    const after = await running();
    expect(after.createdAt).toBe(first.createdAt);
    expect(runtime.processes(USER)!.gatewayPid).not.toBe(before.gatewayPid);
    expect(existsSync(marker) && readFileSync(marker, "utf8")).toBe("kept");
    expect(readFileSync(join(stateDir, "openclaw.json"), "utf8")).toBe(config);
    expect((await app.inject({ method: "POST", url: "/api/instances/nobody-here/restart", headers: auth })).statusCode).toBe(404);
  }, 600_000);
});
