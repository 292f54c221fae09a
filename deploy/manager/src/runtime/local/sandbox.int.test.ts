/**
 * The local runtime's sandbox and supervisor against real gateways (two instances, A and B,
 * started through deploy/scripts/gke-entrypoint.sh with Xvfb, x11vnc, websockify and Chromium).
 * Commands "inside A" run in a fresh sandbox with A's exact policy (uid, mounts, cgroups): what a
 * shell command of A's assistant can do. Network checks stay on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, deriveInstanceToken, type InstanceStatus } from "@clawbox/shared";
import { cmdline } from "@clawbox/shared/proc";
import { loadConfig } from "../../config.ts";
import { freePortBase } from "../../../../../test/support/ports.ts";
import { LocalRuntime } from "./index.ts";

const REPO = fileURLToPath(new URL("../../../../../", import.meta.url));
const DATA_DIR = join(REPO, ".data", "test-sandbox");
const API_KEY = "test-manager-key-sandbox";
const A = "sbx-alpha";
const B = "sbx-bravo";

let runtime: LocalRuntime;
let modelServer: ChildProcess;
let modelPort = 0;

async function waitFor(userId: string, ok: (s: InstanceStatus) => boolean, what: string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await runtime.get(userId);
    if (s && ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`${userId} never got ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs a Node one-liner in A's sandbox; returns its stdout (JSON) and exit status. */
function inSandbox(userId: string, script: string) {
  const r = runtime.execInSandbox(userId, [process.execPath, "-e", script]);
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** A TCP connect to each port from the given runner: "open" or the error code. */
const CONNECT_SCRIPT = (ports: number[]) => `
const net = require("node:net");
const one = (port) => new Promise((resolve) => {
  const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve("open"); });
  s.on("error", (e) => resolve(e.code));
  s.setTimeout(5000, () => { s.destroy(); resolve("timeout"); });
});
Promise.all(${JSON.stringify(ports)}.map(one)).then((r) => console.log(JSON.stringify(r)));`;

function asNobody(script: string): string[] {
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, "-e", script], { encoding: "utf8", timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim());
}

async function agentRpc(userId: string, method: string, params: unknown, timeoutMs = 90_000) {
  const ep = (await runtime.endpoint(userId))!;
  const r = await fetch(`${ep.agentUrl}/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${ep.agentToken}`, "content-type": "application/json" },
    body: JSON.stringify({ method, params, timeoutMs }),
    signal: AbortSignal.timeout(timeoutMs + 5000),
  });
  return (await r.json()) as { ok: boolean; payload?: any; error?: unknown };
}

beforeAll(async () => {
  // A platform data root as `npm start` has it: secrets and the App API's database next to the instances.
  mkdirSync(join(DATA_DIR, "secrets"), { recursive: true });
  writeFileSync(join(DATA_DIR, "secrets", "manager-api-key"), API_KEY, { mode: 0o600 });
  mkdirSync(join(DATA_DIR, "api-db"), { recursive: true });
  writeFileSync(join(DATA_DIR, "api-db", "PG_VERSION"), "17\n", { mode: 0o644 });
  // A stand-in model server on the host's loopback (an Ollama at 127.0.0.1:11434 in real life),
  // in its own process: the sandbox probes below block this one while they run.
  modelServer = spawn(
    process.execPath,
    ["-e", `require("node:http").createServer((q, s) => s.end('{"models":[]}')).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  modelPort = await new Promise<number>((resolve) => modelServer.stdout!.once("data", (d) => resolve(Number(String(d).trim()))));

  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: API_KEY,
    CLAWBOX_DATA_DIR: DATA_DIR,
    LOCAL_PORT_BASE: String(await freePortBase()),
    LOCAL_STOP_GRACE_MS: "15000",
    LOCAL_RESTART_BACKOFF_MS: "500",
  });
  runtime = new LocalRuntime({ config, logger: createLogger("sandbox-int", { level: "warn" }) });
  await runtime.start();
  for (const u of [A, B]) await runtime.delete(u, { preservePvc: false });
  await runtime.create({ userId: A, secrets: { ALPHA_SECRET: "alpha-only" } });
  // B's limit leaves room for its gateway and Chromium but not for a 3 GB allocation.
  await runtime.create({ userId: B, secrets: { BRAVO_SECRET: "bravo-only" }, resources: { limits: { memory: "1800Mi" } } });
  await Promise.all([A, B].map((u) => waitFor(u, (s) => s.phase === "running", "running", 400_000)));
}, 600_000);

afterAll(async () => {
  for (const u of [A, B]) await runtime?.delete(u, { preservePvc: false });
  await runtime?.stopAll();
  modelServer?.kill();
  rmSync(join(DATA_DIR, "secrets"), { recursive: true, force: true });
  rmSync(join(DATA_DIR, "api-db"), { recursive: true, force: true });
}, 120_000);

describe("identity", () => {
  it("each instance runs as its own unprivileged uid with no capabilities, no_new_privs and its own pid namespace", async () => {
    expect((await runtime.get(A))!.isolated).toBe(true);
    const uids = new Set<number>();
    for (const u of [A, B]) {
      const procs = runtime.processes(u)!;
      const server = procs.pids.find((p) => cmdline(p)[0] === "openclaw-gateway")!;
      expect(server).toBeDefined();
      const status = readFileSync(`/proc/${server}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      expect(uid).toBe(runtime.uidOf(u));
      expect(uid).not.toBe(0);
      uids.add(uid);
      expect(/^CapEff:\s+(\w+)/m.exec(status)![1]).toBe("0000000000000000");
      expect(/^CapBnd:\s+(\w+)/m.exec(status)![1]).toBe("0000000000000000");
      expect(/^NoNewPrivs:\s+(\d)/m.exec(status)![1]).toBe("1");
      // NSpid lists the pid in every pid namespace: host and the sandbox's own.
      expect(/^NSpid:\s+(.+)$/m.exec(status)![1]!.trim().split(/\s+/).length).toBeGreaterThanOrEqual(2);
      // The environment is an allowlist: its own secrets, never the Manager's key.
      const environ = readFileSync(`/proc/${server}/environ`, "utf8").split("\0");
      expect(environ.some((e) => e.includes(API_KEY))).toBe(false);
      expect(environ).toContain(u === A ? "ALPHA_SECRET=alpha-only" : "BRAVO_SECRET=bravo-only");
    }
    expect(uids.size).toBe(2);
  });
});

describe("files and processes: nothing leaks from B to A", () => {
  it("A reads and writes its own state but sees nothing of B, the platform's secrets/ or its database", () => {
    const la = runtime.layout(A)!;
    const lb = runtime.layout(B)!;
    const bGateway = runtime.processes(B)!.pids.find((p) => cmdline(p)[0] === "openclaw-gateway")!;
    const script = `
const fs = require("node:fs");
const tryRead = (f) => { try { return fs.readFileSync(f, "utf8").length > 0 ? "read" : "empty"; } catch (e) { return e.code; } };
const tryList = (d) => { try { return fs.readdirSync(d).length >= 0 ? "listed" : ""; } catch (e) { return e.code; } };
let wrote = "no"; try { fs.writeFileSync(${JSON.stringify(join(la.stateDir, "sandbox-probe.txt"))}, "x"); wrote = "yes"; } catch (e) { wrote = e.code; }
console.log(JSON.stringify({
  ownConfig: tryRead(${JSON.stringify(la.configFile)}),
  ownWrite: wrote,
  otherConfig: tryRead(${JSON.stringify(lb.configFile)}),
  otherState: tryList(${JSON.stringify(lb.stateDir)}),
  otherSecrets: tryRead(${JSON.stringify(lb.secretsFile)}),
  platformSecret: tryRead(${JSON.stringify(join(DATA_DIR, "secrets", "manager-api-key"))}),
  platformDb: tryList(${JSON.stringify(join(DATA_DIR, "api-db"))}),
  otherEnviron: tryRead("/proc/${bGateway}/environ"),
  pids: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).length,
  systemRoot: (() => { try { fs.writeFileSync("/usr/sandbox-probe", "x"); return "wrote"; } catch (e) { return e.code; } })(),
}));`;
    const r = inSandbox(A, script);
    expect(r.status, r.err).toBe(0);
    const seen = JSON.parse(r.out);
    expect(seen.ownConfig).toBe("read");
    expect(seen.ownWrite).toBe("yes");
    expect(seen.otherConfig).toBe("ENOENT");
    expect(seen.otherState).toBe("ENOENT");
    expect(seen.otherSecrets).toBe("ENOENT");
    expect(seen.platformSecret).toBe("ENOENT");
    expect(seen.platformDb).toBe("ENOENT");
    expect(seen.otherEnviron).toBe("ENOENT");
    expect(seen.pids).toBeLessThan(10); // its own pid namespace: the probe and bwrap, nothing of the host
    expect(["EROFS", "EACCES"]).toContain(seen.systemRoot);
    // Even with B's paths visible, A's uid could not read them: B's state belongs to B's uid.
    const { uid } = { uid: readFileSync(`/proc/${bGateway}/status`, "utf8").match(/^Uid:\s+(\d+)/m)![1] };
    expect(Number(uid)).toBe(runtime.uidOf(B));
  });
});

describe("network", () => {
  it("A cannot open B's gateway, VNC, websockify or DevTools; B's agent wants B's token; A reaches its own gateway", async () => {
    // B's browser, so its DevTools port is really open.
    const started = await agentRpc(B, "browser.request", { method: "POST", path: "/start", timeoutMs: 60_000 });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const info = await agentRpc(B, "browser.request", { method: "GET", path: "/" });
    const cdpPort = info.payload.cdpPort as number;
    expect(cdpPort).toBeGreaterThan(0);
    const lb = runtime.layout(B)!;
    const la = runtime.layout(A)!;
    const bPorts = [lb.ports.gateway, lb.ports.vnc, lb.ports.websockify, cdpPort];
    // Positive control: the Manager (root) reaches all of them.
    const asRoot = spawnSync(process.execPath, ["-e", CONNECT_SCRIPT(bPorts)], { encoding: "utf8" });
    expect(JSON.parse(asRoot.stdout)).toEqual(["open", "open", "open", "open"]);
    const version = await fetch(`http://127.0.0.1:${cdpPort}/json/version`);
    expect(version.status).toBe(200);

    const fromA = inSandbox(A, CONNECT_SCRIPT([...bPorts, la.ports.gateway]));
    expect(fromA.status, fromA.err).toBe(0);
    const results = JSON.parse(fromA.out) as string[];
    for (const r of results.slice(0, 4)) expect(r).toMatch(/^(ECONNRESET|ECONNREFUSED)$/);
    expect(results[4]).toBe("open");

    // B's agent is the one endpoint others may reach (the Manager's way in): with A's token it refuses.
    const tokenA = deriveInstanceToken(API_KEY, "agent", A);
    const agentScript = `fetch("http://127.0.0.1:${lb.ports.agent}/rpc", { method: "POST", headers: { authorization: "Bearer ${tokenA}", "content-type": "application/json" }, body: JSON.stringify({ method: "config.get", params: {} }) }).then((r) => console.log(r.status), (e) => console.log(e.cause?.code ?? e.message));`;
    const agentFromA = inSandbox(A, agentScript);
    expect(["401", "ECONNRESET", "ECONNREFUSED"]).toContain(agentFromA.out);
  }, 180_000);

  it("as nobody, no VNC, websockify or DevTools endpoint of any instance answers", async () => {
    const info = await agentRpc(B, "browser.request", { method: "GET", path: "/" });
    const ports: number[] = [];
    for (const u of [A, B]) {
      const l = runtime.layout(u)!;
      ports.push(l.ports.vnc, l.ports.websockify, l.ports.gateway);
    }
    ports.push(info.payload.cdpPort);
    const asRoot = spawnSync(process.execPath, ["-e", CONNECT_SCRIPT(ports)], { encoding: "utf8" });
    expect(JSON.parse(asRoot.stdout).every((r: string) => r === "open")).toBe(true);
    for (const r of asNobody(CONNECT_SCRIPT(ports))) expect(r).toMatch(/^(ECONNRESET|ECONNREFUSED)$/);
  }, 120_000);

  it("as nobody, no instance's state, home or logs can be listed", () => {
    const dirs = [A, B].flatMap((u) => {
      const l = runtime.layout(u)!;
      return [l.stateDir, l.homeDir, l.logsDir];
    });
    const script = `const fs = require("node:fs"); console.log(JSON.stringify(${JSON.stringify(dirs)}.map((d) => { try { fs.readdirSync(d); return "listed"; } catch (e) { return e.code; } })));`;
    expect(asNobody(script)).toEqual(dirs.map(() => "EACCES"));
  });

  it("egress to a model server on the host's loopback still works from inside the sandbox", () => {
    const r = inSandbox(A, `fetch("http://127.0.0.1:${modelPort}/api/tags").then(async (r) => console.log(r.status, await r.text()), (e) => console.log(e.cause?.code ?? e.message));`);
    expect(r.out).toBe('200 {"models":[]}');
  });
});

describe("supervision", () => {
  it("a SIGKILLed gateway is running again by itself, with restartCount >= 1 and the termination recorded", async () => {
    const before = (await runtime.get(A))!;
    const server = runtime.processes(A)!.pids.find((p) => cmdline(p)[0] === "openclaw-gateway")!;
    process.kill(server, "SIGKILL");
    const restarted = await waitFor(A, (s) => s.pods[0]!.restartCount > before.pods[0]!.restartCount && s.phase === "running", "running after SIGKILL", 240_000);
    expect(restarted.pods[0]!.restartCount).toBeGreaterThanOrEqual(1);
    expect(restarted.pods[0]!.lastState).toMatchObject({ status: "terminated", reason: "Error" });
    const again = runtime.processes(A)!.pids.find((p) => cmdline(p)[0] === "openclaw-gateway");
    expect(again).toBeDefined();
    expect(again).not.toBe(server);
  }, 300_000);

  it("a process over the memory limit ends as OOMKilled and the instance recovers", async () => {
    const before = (await runtime.get(B))!;
    // 3 GB against B's 1800Mi: the kernel's OOM killer fires inside B's cgroup.
    const hog = inSandbox(B, `const a = []; for (let i = 0; i < 300; i++) a.push(Buffer.alloc(10 * 1024 * 1024, 1)); console.log("survived");`);
    expect(hog.out).not.toBe("survived");
    const oom = await waitFor(B, (s) => s.pods[0]!.lastState?.reason === "OOMKilled", "OOMKilled", 60_000);
    expect(oom.pods[0]!.restartCount).toBeGreaterThan(before.pods[0]!.restartCount);
    await waitFor(B, (s) => s.phase === "running", "running after the OOM kill", 240_000);
  }, 330_000);
});
