/**
 * The assistant answers: a model for an instance, chat through the Manager (agent event frames,
 * no polling), history, and a model change that restarts the assistant with its state. Real
 * OpenClaw gateway started by the local runtime; the model is the OpenAI-compatible stand-in.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type ChatStreamEvent } from "@clawbox/shared";
import { sendChat } from "../../test/chat-stream.ts";
import { start as startModel, STANDIN_REPLY_PREFIX } from "../../../../test/standins/model-standin.ts";
import type { LocalRuntime } from "../runtime/local/index.ts";
import { type LocalManager, startLocalManager } from "../../test/local-manager.ts";

const API_KEY = "test-manager-key-chat";
const USER = "chat-alpha";
const KEY_1 = "sk-chat-test-key-one-0123456789";
const KEY_2 = "sk-chat-test-key-two-9876543210";

let manager: LocalManager;
let runtime: LocalRuntime;
let base: string;
let model: Awaited<ReturnType<typeof startModel>>;
const logLines: string[] = [];
const auth = { authorization: `Bearer ${API_KEY}` };

async function api(method: string, path: string, body?: unknown) {
  const headers = body === undefined ? auth : { ...auth, "content-type": "application/json" };
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Sends a message and collects the stream's events until it ends. */
async function chat(message: string): Promise<ChatStreamEvent[]> {
  const r = await sendChat(base, USER, auth, message);
  expect(r.status).toBe(200);
  expect(r.contentType).toMatch(/^text\/event-stream/);
  return r.events;
}

async function waitRunning(minRestarts = 0, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await runtime.get(USER);
    if (s?.phase === "running" && (s.pods[0]?.restartCount ?? 0) >= minRestarts) return s;
    if (Date.now() > deadline) throw new Error(`${USER} not running: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A model change restarts the gateway: waitRunning's allowance plus the chat after it. */
const RESTART_TEST_TIMEOUT_MS = 420_000;

const restarts = async () => (await runtime.get(USER))?.pods[0]?.restartCount ?? 0;

beforeAll(async () => {
  model = await startModel({ keys: [KEY_1, KEY_2], chunkDelayMs: 30 });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  manager = await startLocalManager({ apiKey: API_KEY, users: [USER], logger: createLogger("chat-int", { level: "debug" }, sink), listen: true });
  ({ runtime, url: base } = manager);
  const created = await api("POST", "/api/instances", {
    userId: USER,
    model: { provider: "openai-compatible", model: "echo-1", baseUrl: model.baseUrl, apiKey: KEY_1 },
  });
  expect(created.status).toBe(201);
  await waitRunning();
});

afterAll(async () => {
  await manager?.close();
  await model?.stop();
});

describe("chat with the assistant", () => {
  it("streams the model's reply in parts, then the whole reply, paid with the instance's key", async () => {
    const events = await chat("hello from the chat test");
    const deltas = events.filter((e) => e.event === "delta");
    const done = events.filter((e) => e.event === "done");
    expect(deltas.length).toBeGreaterThan(1);
    expect(done).toHaveLength(1);
    expect(events.at(-1)!.event).toBe("done");
    const text = (done[0]!.data as { text: string }).text;
    expect(text.startsWith(STANDIN_REPLY_PREFIX)).toBe(true);
    expect(text).toContain("hello from the chat test");
    expect(deltas.map((d) => (d.data as { text: string }).text).join("")).toContain(STANDIN_REPLY_PREFIX.trim());
    expect(model.chats().at(-1)!.authorization).toBe(`Bearer ${KEY_1}`);
  });

  it("keeps the conversation: history has the user's message and the reply", async () => {
    const h = await api("GET", `/api/instances/${USER}/chat/history`);
    expect(h.status).toBe(200);
    const texts = h.body.messages.map((m: { role: string; text: string }) => `${m.role}:${m.text}`);
    expect(texts).toContain("user:hello from the chat test");
    expect(texts.some((t: string) => t.startsWith(`assistant:${STANDIN_REPLY_PREFIX}`))).toBe(true);
    for (const m of h.body.messages) expect(Number.isNaN(Date.parse(m.at))).toBe(false);
  });

  it("refuses a bad message with the one 400 shape", async () => {
    const r = await api("POST", `/api/instances/${USER}/chat`, { message: "" });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "message", rule: "minLength" });
  });
});

describe("model settings", () => {
  it.each([
    [{ provider: "gemini-free", model: "x" }, "provider", "enum"],
    [{ provider: "openai-compatible", model: "x", baseUrl: "ftp://models.example/v1" }, "baseUrl", "http-url"],
    [{ provider: "openai-compatible", model: "x", baseUrl: "http://169.254.169.254/v1" }, "baseUrl", "not-link-local"],
    [{ provider: "openai-compatible", model: "x", baseUrl: "http://metadata.google.internal/v1" }, "baseUrl", "not-link-local"],
    [{ provider: "openai-compatible", model: "x" }, "baseUrl", "required"],
    [{ provider: "openai", model: "x", extra: true }, "extra", "unknown-property"],
  ])("refuses %j naming %s (%s) and changes nothing", async (body, field, rule) => {
    const before = await restarts();
    const r = await api("PUT", `/api/instances/${USER}/model`, body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field, rule });
    expect(await restarts()).toBe(before);
    const created = await api("POST", "/api/instances", { userId: "chat-never", model: body });
    expect(created.status).toBe(400);
    expect(await runtime.get("chat-never")).toBeNull();
  });

  it("changes the model of a running assistant: it restarts with the new key and keeps its conversation", async () => {
    const before = await restarts();
    const r = await api("PUT", `/api/instances/${USER}/model`, { provider: "openai-compatible", model: "echo-1", baseUrl: model.baseUrl, apiKey: KEY_2 });
    expect(r.status).toBe(200);
    expect(r.body.userId).toBe(USER);
    await waitRunning(before + 1);
    const events = await chat("second message after the change");
    expect(events.at(-1)!.event).toBe("done");
    expect(model.chats().at(-1)!.authorization).toBe(`Bearer ${KEY_2}`);
    const h = await api("GET", `/api/instances/${USER}/chat/history`);
    const texts = h.body.messages.map((m: { text: string }) => m.text);
    expect(texts).toContain("hello from the chat test");
    expect(texts).toContain("second message after the change");
  }, RESTART_TEST_TIMEOUT_MS);

  it("says plainly when the provider refuses the key", async () => {
    const before = await restarts();
    expect((await api("PUT", `/api/instances/${USER}/model`, { provider: "openai-compatible", model: "echo-1", baseUrl: model.baseUrl, apiKey: "sk-not-a-known-key" })).status).toBe(200);
    await waitRunning(before + 1);
    const events = await chat("does my key work?");
    const last = events.at(-1)!;
    expect(last.event).toBe("error");
    expect((last.data as { code: string }).code).toBe("model_auth_failed");
  }, RESTART_TEST_TIMEOUT_MS);

  it("says plainly when the assistant has no model", async () => {
    const before = await restarts();
    expect((await api("DELETE", `/api/instances/${USER}/model`)).status).toBe(200);
    await waitRunning(before + 1);
    const last = (await chat("anyone there?")).at(-1)!;
    expect(last.event).toBe("error");
    expect((last.data as { code: string }).code).toBe("model_not_configured");
  }, RESTART_TEST_TIMEOUT_MS);

  it("never lets a key into a response or a log line", async () => {
    const status = await api("GET", `/api/instances/${USER}`);
    for (const key of [KEY_1, KEY_2, "sk-not-a-known-key"]) {
      expect(status.text).not.toContain(key);
      expect(logLines.join("\n")).not.toContain(key);
    }
    expect(logLines.length).toBeGreaterThan(0);
  });
});
