import { createServer, type IncomingMessage, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "./api-client.ts";
import { SessionExpiredError } from "./api-error.ts";
import { memoryTokenStore, type TokenStore } from "./token-store.ts";

/**
 * An in-process HTTP server speaking the App API's auth contract (signup, refresh with
 * rotation, revocation, /users/me), so the client is tested over real HTTP with real expiry.
 */
class AuthServer {
  accessTtlMs = 60_000;
  /** Holds /auth/refresh answers this long: a slow server under load. */
  refreshDelayMs = 0;
  access = new Map<string, number>(); // token -> expiresAt
  refresh = new Set<string>();
  calls: string[] = [];
  server: Server = createServer((req, res) => void this.handle(req, res));
  url = "";

  issue() {
    const accessToken = randomBytes(8).toString("hex");
    const refreshToken = randomBytes(8).toString("hex");
    const accessTokenExpiresAt = Date.now() + this.accessTtlMs;
    this.access.set(accessToken, accessTokenExpiresAt);
    this.refresh.add(refreshToken);
    return {
      user: { id: "u1", email: "a@example.com", name: "A" },
      accessToken,
      refreshToken,
      accessTokenExpiresAt: new Date(accessTokenExpiresAt).toISOString(),
      refreshTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
  }

  async handle(req: IncomingMessage, res: import("node:http").ServerResponse) {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : {};
    this.calls.push(`${req.method} ${req.url}`);
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    if (req.url === "/auth/signup" || req.url === "/auth/login") return send(201, this.issue());
    if (req.url === "/auth/refresh") {
      await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      if (!this.refresh.delete(body.refreshToken)) return send(401, { error: "Invalid refresh token", code: "invalid_refresh_token" });
      return send(200, this.issue());
    }
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const exp = this.access.get(token);
    if (!exp || exp < Date.now()) return send(401, { error: "Missing or invalid Authorization header" });
    if (req.url === "/users/me") return send(200, { id: "u1", email: "a@example.com", name: "A" });
    return send(404, { error: "not found", code: "not_found" });
  }
}

let server: AuthServer;
let tokens: TokenStore;
let expired: number;
let client: ApiClient;

beforeAll(async () => {
  server = new AuthServer();
  await new Promise<void>((r) => server.server.listen(0, "127.0.0.1", r));
  const addr = server.server.address() as import("node:net").AddressInfo;
  server.url = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => new Promise<void>((r) => server.server.close(() => r())));

beforeEach(async () => {
  server.accessTtlMs = 60_000;
  server.refreshDelayMs = 0;
  server.calls = [];
  tokens = memoryTokenStore();
  expired = 0;
  client = new ApiClient({ baseUrl: server.url, tokens, refreshSkewMs: 5_000, onSessionExpired: () => expired++ });
  await client.signup({ email: "a@example.com", password: "correct horse" });
  server.calls = [];
});

describe("AuthInterceptor", () => {
  it("sends the access token and does not refresh a fresh one", async () => {
    expect((await client.me()).email).toBe("a@example.com");
    expect(client.auth.refreshCount).toBe(0);
  });

  it("refreshes BEFORE the access token expires, so no request ever gets a 401", async () => {
    // Token valid for 3 s, skew 5 s: the interceptor must refresh first.
    server.accessTtlMs = 3_000;
    await client.signup({ email: "a@example.com", password: "correct horse" });
    server.calls = [];
    server.accessTtlMs = 60_000;
    expect((await client.me()).id).toBe("u1");
    expect(server.calls).toEqual(["POST /auth/refresh", "GET /users/me"]);
    expect(client.auth.refreshCount).toBe(1);
  });

  it("on a 401 refreshes once and retries the request once", async () => {
    server.access.clear(); // server forgot the access token (e.g. rotated secret)
    expect((await client.me()).id).toBe("u1");
    expect(server.calls).toEqual(["GET /users/me", "POST /auth/refresh", "GET /users/me"]);
  });

  it("shares one refresh between concurrent requests", async () => {
    server.access.clear();
    await Promise.all([client.me(), client.me(), client.me()]);
    expect(server.calls.filter((c) => c === "POST /auth/refresh")).toHaveLength(1);
  });

  it("two tabs sharing one stored session refresh once and both stay signed in", async () => {
    // Two ApiClients on one store = two tabs on one localStorage; Web Locks (Node has
    // navigator.locks too) coordinate them. Without it the second tab would spend the already
    // rotated refresh token, and the real API answers that with refresh_token_reused.
    const second = new ApiClient({ baseUrl: server.url, tokens, refreshSkewMs: 5_000, onSessionExpired: () => expired++ });
    server.access.clear();
    const [a, b] = await Promise.all([client.me(), second.me()]);
    expect([a.id, b.id]).toEqual(["u1", "u1"]);
    expect(server.calls.filter((c) => c === "POST /auth/refresh")).toHaveLength(1);
    expect(expired).toBe(0);
  });

  it("a refresh still in flight when the user signs out and in again leaves the new session alone", async () => {
    server.refreshDelayMs = 300;
    const oldRefresh = client.auth.refresh(); // a poll of the old session, answered late
    await new Promise((r) => setTimeout(r, 50));
    await client.logout();
    const next = await client.login({ email: "a@example.com", password: "correct horse" });
    await expect(oldRefresh).rejects.toBeInstanceOf(SessionExpiredError);
    expect(tokens.get()?.refreshToken).toBe(next.tokens.refreshToken);
    expect(expired).toBe(0);
    expect((await client.me()).id).toBe("u1");
  });

  it("a revoked refresh token ends the session and signals sign-in", async () => {
    server.refresh.clear();
    server.access.clear();
    await expect(client.me()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(tokens.get()).toBeNull();
    expect(expired).toBe(1);
    expect(client.signedIn).toBe(false);
  });

  it("does not loop when the retried request is still unauthorized", async () => {
    server.access.clear();
    const original = server.issue.bind(server);
    // Refresh succeeds but hands out access tokens the server then rejects.
    server.issue = () => {
      const out = original();
      server.access.delete(out.accessToken);
      return out;
    };
    try {
      await expect(client.me()).rejects.toMatchObject({ status: 401 });
      expect(server.calls).toEqual(["GET /users/me", "POST /auth/refresh", "GET /users/me"]);
      expect(expired).toBe(1);
    } finally {
      server.issue = original;
    }
  });
});
