import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { formatSse, type ChatStreamEvent, type ModelSettings } from "@clawbox/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "./api-client.ts";
import { ApiError } from "./api-error.ts";
import { memoryTokenStore } from "./token-store.ts";

/**
 * A small App API over real HTTP: auth with rotation, /users/me/model and the chat routes
 * with a text/event-stream reply that is held open half-way until the test has seen the first
 * delta, so a client that buffered the whole body would never get there.
 */
class ChatServer {
  access = new Set<string>();
  refresh = new Set<string>();
  refreshes = 0;
  model: (ModelSettings & { hasApiKey: boolean }) | null = null;
  puts: unknown[] = [];
  releaseRest: () => void = () => undefined;
  server: Server = createServer((req, res) => void this.handle(req, res));
  url = "";

  issue() {
    const accessToken = randomBytes(8).toString("hex");
    const refreshToken = randomBytes(8).toString("hex");
    this.access.add(accessToken);
    this.refresh.add(refreshToken);
    return {
      user: { id: "u1", email: "a@example.com", name: "A" },
      accessToken,
      refreshToken,
      accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      refreshTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const send = (status: number, data?: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(data === undefined ? undefined : JSON.stringify(data));
    };
    const route = `${req.method} ${req.url}`;
    if (route === "POST /auth/signup") return send(201, this.issue());
    if (route === "POST /auth/refresh") {
      if (!this.refresh.delete(body.refreshToken)) return send(401, { error: "Invalid refresh token", code: "invalid_refresh_token" });
      this.refreshes++;
      return send(200, this.issue());
    }
    if (!this.access.has((req.headers.authorization ?? "").replace(/^Bearer /, ""))) {
      return send(401, { error: "Missing or invalid Authorization header" });
    }
    if (route === "GET /users/me/model") {
      if (!this.model) return send(404, { error: "No model is set for your assistant", code: "model_not_configured" });
      const { apiKey: _key, ...view } = this.model;
      return send(200, { ...view, source: "user" });
    }
    if (route === "PUT /users/me/model") {
      this.puts.push(body);
      if (body.provider === "openai-compatible" && !body.baseUrl) {
        return send(400, { error: "baseUrl is required for provider openai-compatible", code: "invalid_request", field: "baseUrl", rule: "required" });
      }
      this.model = { ...body, hasApiKey: !!body.apiKey };
      return send(200, { provider: body.provider, model: body.model, hasApiKey: !!body.apiKey, source: "user" });
    }
    if (route === "DELETE /users/me/model") {
      this.model = null;
      return send(204);
    }
    if (route === "GET /instances/i1/chat/history") {
      return send(200, { messages: [{ role: "user", text: "hi", at: "2026-01-01T00:00:00.000Z" }] });
    }
    if (route === "POST /instances/i1/chat") {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      res.write(formatSse({ event: "delta", data: { text: `You said ${body.message}.` } }));
      await new Promise<void>((r) => (this.releaseRest = r));
      // An event split across two writes must still arrive whole.
      const rest = formatSse({ event: "delta", data: { text: " Bye." } });
      res.write(rest.slice(0, 9));
      res.write(rest.slice(9));
      res.end(formatSse({ event: "done", data: { text: `You said ${body.message}. Bye.` } }));
      return;
    }
    if (route === "POST /instances/cut/chat") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(formatSse({ event: "delta", data: { text: "Half a rep" } }));
      return;
    }
    send(404, { error: "Instance not found", code: "not_found" });
  }
}

let server: ChatServer;
let client: ApiClient;

beforeAll(async () => {
  server = new ChatServer();
  await new Promise<void>((r) => server.server.listen(0, "127.0.0.1", r));
  const addr = server.server.address() as { port: number };
  server.url = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => new Promise<void>((r) => server.server.close(() => r())));
beforeEach(async () => {
  client = new ApiClient({ baseUrl: server.url, tokens: memoryTokenStore() });
  await client.signup({ email: "a@example.com", password: "password1" });
});

describe("ApiClient chat", () => {
  it("hands each event over as it arrives, not when the stream ends", async () => {
    const events: ChatStreamEvent[] = [];
    let firstDelta!: () => void;
    const sawFirstDelta = new Promise<void>((r) => (firstDelta = r));
    const sending = client.chat("i1", "hello", (e) => {
      events.push(e);
      firstDelta();
    });
    await sawFirstDelta; // the server holds the rest back until now
    expect(events).toEqual([{ event: "delta", data: { text: "You said hello." } }]);
    server.releaseRest();
    await sending;
    expect(events.slice(1)).toEqual([
      { event: "delta", data: { text: " Bye." } },
      { event: "done", data: { text: "You said hello. Bye." } },
    ]);
  });

  it("refreshes a rejected access token and retries the chat once", async () => {
    server.access.clear(); // the server forgot every access token (revoked, clock skew)
    const events: ChatStreamEvent[] = [];
    const sending = client.chat("i1", "again", (e) => {
      events.push(e);
      if (events.length === 1) server.releaseRest();
    });
    await sending;
    expect(server.refreshes).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({ event: "done", data: { text: "You said again. Bye." } });
  });

  it("reports a stream that breaks off without done as a chat_failed error event", async () => {
    const events: ChatStreamEvent[] = [];
    await client.chat("cut", "x", (e) => events.push(e));
    expect(events[0]).toEqual({ event: "delta", data: { text: "Half a rep" } });
    expect(events[1]).toMatchObject({ event: "error", data: { code: "chat_failed" } });
  });

  it("throws the API's error for a refused request, before any event", async () => {
    const events: ChatStreamEvent[] = [];
    const err = await client.chat("nope", "x", (e) => events.push(e)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).body).toEqual({ error: "Instance not found", code: "not_found" });
    expect(events).toEqual([]);
  });

  it("loads the history", async () => {
    expect(await client.chatHistory("i1")).toEqual({ messages: [{ role: "user", text: "hi", at: "2026-01-01T00:00:00.000Z" }] });
  });
});

describe("ApiClient model settings", () => {
  it("reads no model as null, saves one, and clears it", async () => {
    server.model = null;
    expect(await client.getModel()).toBeNull();
    const view = await client.setModel({ provider: "openai", model: "gpt-4o-mini", apiKey: "sk-test" });
    expect(view).toEqual({ provider: "openai", model: "gpt-4o-mini", hasApiKey: true, source: "user" });
    expect(await client.getModel()).toMatchObject({ provider: "openai", hasApiKey: true });
    await client.clearModel();
    expect(await client.getModel()).toBeNull();
  });

  it("passes a 400 through with the field it names", async () => {
    const err = await client.setModel({ provider: "openai-compatible", model: "m" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).body.field).toBe("baseUrl");
  });
});
