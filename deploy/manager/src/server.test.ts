// Route behaviour that needs no cluster: the real server with the real KubernetesRuntime, pointed
// at an API server address where nothing listens (its cache is never started). Everything that
// needs a live API server is in server.int.test.ts.
import { createLogger } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { KubeClient } from "./k8s/client.ts";
import { ManagerMetrics } from "./metrics.ts";
import { KubernetesRuntime } from "./runtime/kubernetes/runtime.ts";
import { buildServer } from "./server.ts";

const API_KEY = "test-key-0123456789";
const nowhere = () => ({ server: new URL("http://127.0.0.1:1"), rejectUnauthorized: true, headers: async () => ({ Authorization: "Bearer t" }) });
const auth = { authorization: `Bearer ${API_KEY}` };
let app: FastifyInstance;
let runtime: KubernetesRuntime;

beforeAll(async () => {
  const config = loadConfig({ OPENCLAW_MANAGER_API_KEY: API_KEY, OPENCLAW_TOKEN_SECRET: "server-test-token-secret", OPENCLAW_RUNTIME: "kubernetes" });
  // Port 1 on loopback: connection refused, immediately.
  const kc = nowhere();
  const logger = createLogger("manager-test", { level: "silent" });
  const metrics = new ManagerMetrics();
  runtime = new KubernetesRuntime({ config, logger, metrics, client: new KubeClient(kc) });
  app = await buildServer({ config, runtime, logger, metrics });
  // Compiles every route's schema now, not inside the first test.
  await app.ready();
});
afterAll(async () => {
  await app.close();
  runtime.client.close();
});

describe("auth", () => {
  it.each([
    ["no header", {}],
    ["wrong key", { authorization: "Bearer nope" }],
    ["wrong scheme", { authorization: `Basic ${API_KEY}` }],
    ["key with a suffix", { authorization: `Bearer ${API_KEY}x` }],
  ])("401 with the guide's exact body for %s", async (_name, headers) => {
    for (const [method, url] of [["GET", "/api/instances"], ["GET", "/api/instances/alice"], ["DELETE", "/api/instances/alice"], ["POST", "/api/instances"]] as const) {
      const res = await app.inject({ method, url, headers, ...(method === "POST" ? { payload: { userId: "alice" } } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"error":"Missing or invalid Authorization header"}');
    }
  });
  it("leaves /health, /metrics, /openapi.json and /docs public", async () => {
    const health = await app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ ok: true });
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain("openclaw_manager_instances{phase=\"running\"} 0");
    expect(metrics.body).toContain("openclaw_manager_create_to_running_seconds_bucket");
    const spec = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    expect(paths).toEqual(expect.arrayContaining(["/api/instances", "/api/instances/{userId}", "/health"]));
    expect(spec.json().paths["/api/instances"].post.requestBody).toBeDefined();
    const docs = await app.inject({ method: "GET", url: "/docs/" });
    expect(docs.statusCode).toBe(200);
  });
});

describe("validation before any Kubernetes call", () => {
  const badIds = ["Alice", "-alice", "alice-", "al_ice", "al.ice", "a".repeat(50), "ali ce"];
  it.each(badIds)("GET/DELETE /api/instances/%s -> 400 naming the rule", async (id) => {
    for (const method of ["GET", "DELETE"] as const) {
      const res = await app.inject({ method, url: `/api/instances/${encodeURIComponent(id)}`, headers: auth });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: "invalid_request", field: "userId", rule: "dns1123-label" });
      expect(res.json().error).toMatch(/DNS-1123/);
    }
  });
  it.each([...badIds, ""])("POST userId %j -> 400", async (id) => {
    const res = await app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId: id } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "invalid_request", field: "userId" });
  });
  it.each([
    [{}, "userId", "required"],
    [{ userId: 42 }, "userId", "type"],
    [{ userId: "alice", secrets: { A: 1 } }, "secrets.A", "type"],
    [{ userId: "alice", secrets: "x" }, "secrets", "type"],
    [{ userId: "alice", extra: true }, "extra", "unknown-property"],
    [{ userId: "alice", imageTag: "bad tag" }, "imageTag", "pattern"],
    [{ userId: "alice", resources: { limits: { memory: "2 GB" } } }, "resources.limits.memory", "pattern"],
    [{ userId: "alice", resources: { requests: { memory: "3Gi" } } }, "resources.requests.memory", "request-not-above-limit"],
    [{ userId: "alice", secrets: { CLAWBOX_AGENT_TOKEN: "x" } }, "secrets.CLAWBOX_AGENT_TOKEN", "reserved"],
    [{ userId: "alice", secrets: { "not-env": "x" } }, "secrets.not-env", "env-name"],
  ])("POST %j -> 400 field %s rule %s", async (payload, field, rule) => {
    const res = await app.inject({ method: "POST", url: "/api/instances", headers: auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "invalid_request", field, rule });
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
  it("refuses a non-JSON body and a bad preservePvc with 4xx JSON", async () => {
    const res = await app.inject({ method: "POST", url: "/api/instances", headers: { ...auth, "content-type": "application/json" }, payload: "{nope" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBeTypeOf("string");
    const del = await app.inject({ method: "DELETE", url: "/api/instances/alice?preservePvc=maybe", headers: auth });
    expect(del.statusCode).toBe(400);
    expect(del.json()).toMatchObject({ field: "preservePvc", rule: "type" });
  });
});

describe("gateway routes: contract schemas (@clawbox/shared/contract)", () => {
  const BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
  it.each([
    ["/rpc", {}, "method", "required"],
    ["/rpc", { method: "a b" }, "method", "pattern"],
    ["/rpc", { method: "status", params: [1] }, "params", "type"],
    ["/rpc", { method: "status", timeoutMs: 0 }, "timeoutMs", "minimum"],
    ["/rpc", { method: "status", extra: 1 }, "extra", "unknown-property"],
    ["/telegram/setup", {}, "botToken", "required"],
    ["/telegram/setup", { botToken: "123:ABC-DEF1234ghIkl-zyx57W2v1u123ew11" }, "botToken", "pattern"],
    ["/telegram/setup", { botToken: "123456:short" }, "botToken", "pattern"],
    ["/whatsapp/qr", { force: "yes" }, "force", "type"],
    ["/whatsapp/qr", { timeoutMs: 10 }, "timeoutMs", "minimum"],
    ["/whatsapp/wait", { timeoutMs: 1.5 }, "timeoutMs", "type"],
    ["/pairing/approve", { code: "ABC3KLM9" }, "channel", "required"],
    ["/pairing/approve", { channel: "Not A Channel", code: "ABC3KLM9" }, "channel", "pattern"],
    ["/pairing/approve", { channel: "telegram", code: "x" }, "code", "pattern"],
  ])("POST %s %j -> 400 field %s rule %s, before any instance is looked up", async (path, payload, field, rule) => {
    const res = await app.inject({ method: "POST", url: `/api/instances/alice${path}`, headers: auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "invalid_request", field, rule });
    expect(res.body).not.toContain("ABC-DEF1234ghIkl"); // a token is never echoed
  });
  it.each([
    ["/telegram/status?probe=maybe", "probe", "enum"],
    ["/pairing/list?channel=Not%20A%20Channel", "channel", "pattern"],
    ["/pairing/list?accountId=a%20b", "accountId", "pattern"],
    ["/pairing/list?other=1", "other", "unknown-property"],
  ])("GET %s -> 400 field %s rule %s", async (url, field, rule) => {
    const res = await app.inject({ method: "GET", url: `/api/instances/alice${url}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "invalid_request", field, rule });
  });
  it("valid input reaches the instance lookup (unknown here: 404), a bad userId is the dns1123 rule", async () => {
    for (const [method, path, payload] of [
      ["POST", "/rpc", { method: "status", params: {}, timeoutMs: 1000 }],
      ["POST", "/telegram/setup", { botToken: BOT_TOKEN }],
      ["POST", "/whatsapp/qr", { force: true }],
      ["POST", "/pairing/approve", { channel: "telegram", code: "ABC3KLM9", notify: true }],
      ["GET", "/pairing/list?channel=telegram", undefined],
      ["GET", "/telegram/status?probe=true", undefined],
    ] as const) {
      const res = await app.inject({ method, url: `/api/instances/nobody${path}`, headers: auth, ...(payload ? { payload } : {}) });
      expect(res.statusCode, path).toBe(404);
      expect(res.json().code).toBe("not_found");
    }
    const bad = await app.inject({ method: "GET", url: "/api/instances/Not_A_User/whatsapp/status", headers: auth });
    expect(bad.json()).toMatchObject({ field: "userId", rule: "dns1123-label" });
  });
  it("documents every gateway route's input and answer in /openapi.json from the contract", async () => {
    const spec = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    const op = (path: string, method: string) => spec.paths[`/api/instances/{userId}${path}`][method];
    const bodyRef = (path: string) => JSON.stringify(op(path, "post").requestBody.content["application/json"].schema);
    const okRef = (path: string, method: string) => JSON.stringify(op(path, method).responses["200"].content["application/json"].schema);
    expect(bodyRef("/rpc")).toContain("RpcCall");
    expect(bodyRef("/telegram/setup")).toContain("TelegramSetup");
    expect(bodyRef("/whatsapp/qr")).toContain("WhatsappQr");
    expect(bodyRef("/whatsapp/wait")).toContain("WhatsappWait");
    expect(bodyRef("/pairing/approve")).toContain("PairingApprove");
    expect(okRef("/telegram/status", "get")).toContain("ChannelStatus");
    expect(okRef("/whatsapp/status", "get")).toContain("ChannelStatus");
    expect(okRef("/telegram/logout", "post")).toContain("TelegramLogoutResult");
    expect(okRef("/pairing/list", "get")).toContain("PairingList");
    expect(op("/pairing/list", "get").parameters.map((p: { name: string }) => p.name).sort()).toEqual(["accountId", "channel", "userId"]);
    expect(op("/telegram/status", "get").parameters.map((p: { name: string }) => p.name).sort()).toEqual(["probe", "userId"]);
  });
});

describe("Kubernetes API unreachable", () => {
  it("POST -> 503 in the one error shape, secrets not echoed, no stack", async () => {
    const res = await app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-SECRET" } } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: "kubernetes_unavailable" });
    expect(res.body).not.toContain("sk-ant-SECRET");
    expect(res.body).not.toMatch(/\n\s+at /);
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/openclaw_manager_apiserver_errors_total\{verb="apply",resource="[a-z]+",reason="unreachable"\} [1-9]/);
  });
  it("DELETE -> 503; GET of an unknown user -> 404 from the (empty) cache", async () => {
    expect((await app.inject({ method: "DELETE", url: "/api/instances/alice", headers: auth })).statusCode).toBe(503);
    const get = await app.inject({ method: "GET", url: "/api/instances/nobody", headers: auth });
    expect(get.statusCode).toBe(404);
    expect(get.json()).toMatchObject({ code: "not_found" });
    const list = await app.inject({ method: "GET", url: "/api/instances", headers: auth });
    expect(list.json()).toEqual({ instances: [] });
  });
  it("unknown routes answer 404 JSON (after auth)", async () => {
    const res = await app.inject({ method: "GET", url: "/api/nothing", headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe("not_found");
  });
});

describe("logs", () => {
  // The create and delete reach a refused API server and retry with backoff: seconds on a busy machine.
  it("put the userId on every line of a request about an instance, and never the key or secrets", async () => {
    const { pino } = await import("pino");
    const { REDACT_PATHS } = await import("@clawbox/shared");
    const lines: any[] = [];
    const logger = pino({ level: "info", redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const config = loadConfig({ OPENCLAW_MANAGER_API_KEY: API_KEY, OPENCLAW_TOKEN_SECRET: "server-test-token-secret", OPENCLAW_RUNTIME: "kubernetes" });
    const kc = nowhere();
    const metrics = new ManagerMetrics();
    const rt = new KubernetesRuntime({ config, logger, metrics, client: new KubeClient(kc) });
    const a = await buildServer({ config, runtime: rt, logger, metrics });
    try {
      await a.inject({ method: "GET", url: "/api/instances/bob", headers: auth });
      await a.inject({ method: "DELETE", url: "/api/instances/bob", headers: auth });
      await a.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId: "bob", secrets: { ANTHROPIC_API_KEY: "sk-ant-LOGSECRET" } } });
    } finally {
      await a.close();
      rt.client.close();
    }
    // The one line before the body is parsed (POST's "incoming request") can't know the user yet.
    const requestLines = lines.filter((l) => l.reqId && !(l.msg === "incoming request" && l.req?.method === "POST"));
    expect(requestLines.length).toBeGreaterThanOrEqual(6);
    for (const l of requestLines) expect(l.userId, JSON.stringify(l)).toBe("bob");
    const all = JSON.stringify(lines);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain("sk-ant-LOGSECRET");
  }, 30_000);
});
