import { randomBytes, randomUUID } from "node:crypto";
import { instanceNames } from "@clawbox/shared";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WebSocket } from "ws";
import type {} from "../../../test/setup/cluster.global.ts";
import { modelSettings, openrouterKeys } from "../src/db/schema.ts";
import { managerUserIdFor } from "../src/manager/manager-user-id.ts";
import { DEFAULT_OPENROUTER_MODEL } from "../src/config.ts";
import { sendWebhook } from "../../../test/standins/revenuecat-standin.ts";
import { adminClient, API_KEY, listen, NAMESPACE, poll, provisionVolume, readObject, startManager, type RunningManager } from "../../manager/test/harness.ts";
import { labelledFor, refuse } from "../../manager/test/refusal.ts";
import type { KubeClient } from "../../manager/src/k8s/client.ts";
import { client, createTestDatabase, secretFor, startStandins, startTestApi, type Api, type DbKind } from "./harness.ts";

/**
 * App API end to end over HTTP, against real PostgreSQL and real PGlite, the REAL Manager
 * (kubernetes runtime, deploy/manager/test/harness.ts) on the real test cluster (kwok nodes: pods
 * run, no gateway), and stand-ins for Google, Apple, RevenueCat and OpenRouter. What needs a live
 * gateway (RPC, Telegram, pairing, WhatsApp, the VNC socket) is real-manager.e2e.test.ts, with the
 * local runtime. "Nothing left" is checked in the App API, the Manager and the cluster.
 */
let manager: RunningManager;
let managerUrl: string;
let admin: KubeClient;

beforeAll(async () => {
  const kubeconfig = inject("kubeconfig");
  admin = adminClient(kubeconfig);
  manager = await startManager(kubeconfig, { CLAWBOX_RECONCILE_INTERVAL_MS: "0" });
  managerUrl = await listen(manager);
});
afterAll(async () => {
  await manager?.close();
  admin?.close();
});

/** The Manager's status code for a user's instance (200, or 404 once it is gone). */
const managerStatus = async (userId: string) =>
  (await manager.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: { authorization: `Bearer ${API_KEY}` } })).statusCode;
/** The data of a user's Secret on the cluster, decoded (null when there is none). */
async function secretData(name: string): Promise<Record<string, string> | null> {
  const secret = await readObject<{ data?: Record<string, string> }>(admin, `/api/v1/namespaces/${NAMESPACE}/secrets/${name}`);
  if (!secret) return null;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}
/** The gateway config text the Manager wrote into the user's ConfigMap. */
async function gatewayConfig(userId: string): Promise<string> {
  const cm = await readObject<{ data: Record<string, string> }>(admin, `/api/v1/namespaces/${NAMESPACE}/configmaps/${instanceNames(userId).configMap}`);
  return cm?.data["openclaw.json"] ?? "";
}
/** Nothing of the user in the Manager or on the cluster (deletes finish asynchronously there). */
async function expectGoneFromManagerAndCluster(userId: string) {
  expect(await managerStatus(userId)).toBe(404);
  await poll(`nothing labelled for ${userId}`, async () => (await labelledFor(admin, userId)).length === 0, 60_000, 200);
}
const managerUserOf = (accessToken: string) => managerUserIdFor(JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString()).sub);

describe.each<DbKind>(["postgres", "pglite"])("App API on %s", (kind) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let s: Awaited<ReturnType<typeof startStandins>>;
  let api: Api;
  let call: ReturnType<typeof client>;
  /** Every response body the tests saw, to prove no secret ever left in one. */
  const responses: string[] = [];
  const extraApis: Api[] = [];
  /** The access token of every account that created an instance: the last test deletes them all. */
  const owners = new Set<string>();

  const record = (call: ReturnType<typeof client>) => async (...args: Parameters<ReturnType<typeof client>>) => {
    const r = await call(...args);
    responses.push(r.text);
    if (args[0] === "POST" && args[1] === "/instances" && r.status === 201) owners.add(args[2]!.token!);
    return r;
  };
  const http = (...args: Parameters<ReturnType<typeof client>>) => record(call)(...args);
  const signup = async (name = "user") => {
    const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
    const r = await http("POST", "/auth/signup", { body: { email, password: "correct horse battery", name } });
    expect(r.status).toBe(201);
    return { email, ...r.body } as { email: string; user: { id: string }; accessToken: string; refreshToken: string };
  };
  /** A user RevenueCat knows as entitled (lifetime "pro"). */
  const entitledUser = async (name = "payer") => {
    const u = await signup(name);
    s.revenuecat.setEntitlement(u.user.id, "pro", new Date(Date.now() + 30 * 86_400_000));
    return u;
  };
  /** The test cluster has no volume provisioner: a user whose pod should run gets a volume first. */
  const withVolume = async <U extends { user: { id: string } }>(u: U) => {
    await provisionVolume(admin, managerUserIdFor(u.user.id));
    return u;
  };
  const waitRunning = (token: string, id: string) =>
    poll(`instance ${id} running`, async () => {
      const r = await http("GET", `/instances/${id}`, { token });
      return r.body.phase === "running" ? r.body : undefined;
    }, 120_000, 200);
  const extraApi = async (env: Record<string, string | undefined>) => {
    const a = await startTestApi(s.env(env), db.handle);
    extraApis.push(a);
    return { api: a, call: record(client(a.url)) };
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind, kind === "postgres" ? inject("databaseUrl") : undefined);
    s = await startStandins(API_KEY, managerUrl);
    api = await startTestApi(s.env(), db.handle);
    call = client(api.url);
  });

  afterAll(async () => {
    for (const a of extraApis) await a.close();
    await api?.close();
    await s?.stop();
    await db?.drop();
  });

  describe("service endpoints", () => {
    it("GET /health is {ok:true}, /docs-json is OpenAPI with the guide's paths, /metrics is Prometheus", async () => {
      expect((await http("GET", "/health")).body).toEqual({ ok: true });
      const doc = (await http("GET", "/docs-json")).body;
      for (const p of ["/auth/signup", "/auth/login", "/auth/google", "/auth/apple", "/auth/refresh", "/users/me", "/instances", "/instances/{id}", "/instances/{id}/telegram/setup", "/instances/{id}/telegram/status", "/instances/{id}/telegram/logout", "/instances/{id}/pairing/list", "/instances/{id}/pairing/approve", "/instances/{id}/whatsapp/qr", "/instances/{id}/whatsapp/wait", "/instances/{id}/whatsapp/status", "/instances/{id}/rpc", "/health"]) {
        expect(doc.paths, p).toHaveProperty([p]);
      }
      expect((await http("GET", "/docs")).status).toBe(200);
      const metrics = await http("GET", "/metrics");
      expect(metrics.text).toContain("clawbox_api_http_request_duration_seconds_bucket");
    });

    it("NODE_ENV=production hides Swagger UI and the OpenAPI JSON", async () => {
      // Production config insists on a DATABASE_URL; the server itself uses this test's database.
      const prod = await extraApi({ NODE_ENV: "production", DATABASE_URL: db.url ?? "postgresql://config-check-only@127.0.0.1/x" });
      expect((await prod.call("GET", "/health")).body).toEqual({ ok: true });
      expect((await prod.call("GET", "/docs")).status).toBe(404);
      expect((await prod.call("GET", "/docs-json")).status).toBe(404);
    });
  });

  describe("email accounts", () => {
    it("signs up, logs in, refuses a wrong password and a duplicate email", async () => {
      const u = await signup("alice");
      expect(u.user).toMatchObject({ email: u.email, name: "alice" });
      expect(Object.keys(u).sort()).toEqual(["accessToken", "accessTokenExpiresAt", "email", "refreshToken", "refreshTokenExpiresAt", "user"]);
      const ttl = Date.parse((u as any).accessTokenExpiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(14 * 60_000);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);

      const ok = await http("POST", "/auth/login", { body: { email: u.email.toUpperCase(), password: "correct horse battery" } });
      expect(ok.status).toBe(200);
      expect(ok.body.user.id).toBe(u.user.id);

      const wrong = await http("POST", "/auth/login", { body: { email: u.email, password: "wrong horse battery" } });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: "Invalid email or password", code: "invalid_credentials" });
      const unknown = await http("POST", "/auth/login", { body: { email: "nobody@example.com", password: "whatever1" } });
      expect(unknown.body).toEqual(wrong.body);

      const dup = await http("POST", "/auth/signup", { body: { email: u.email, password: "another password" } });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ code: "email_taken", field: "email", rule: "unique" });
    });

    it("names the field and the rule of bad input, and refuses unknown properties", async () => {
      const bad = await http("POST", "/auth/signup", { body: { email: "not-an-email", password: "longenough" } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: "invalid_request", field: "email", rule: "format" });
      const short = await http("POST", "/auth/signup", { body: { email: "x@example.com", password: "short" } });
      expect(short.body).toMatchObject({ field: "password", rule: "minLength" });
      const extra = await http("POST", "/auth/login", { body: { email: "x@example.com", password: "p", admin: true } });
      expect(extra.body).toMatchObject({ field: "admin", rule: "unknown-property" });
      const notJson = await http("POST", "/auth/login", { body: undefined, headers: { "content-type": "application/json" } });
      expect(notJson.status).toBe(400);
      const nothing = await http("POST", "/auth/signup", { body: {} });
      expect(nothing.body).toMatchObject({ field: "email", rule: "required" });
      // No account was created by any of these.
      const login = await http("POST", "/auth/login", { body: { email: "x@example.com", password: "longenough" } });
      expect(login.status).toBe(401);
    });

    it("GET /users/me needs a valid, unexpired, untampered access token", async () => {
      const u = await signup("bob");
      const me = await http("GET", "/users/me", { token: u.accessToken });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: u.user.id, email: u.email, name: "bob", signInMethods: { password: true, google: false, apple: false } });

      const none = await http("GET", "/users/me");
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: "Missing or invalid Authorization header" });

      const [h, p, sig] = u.accessToken.split(".");
      const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString("base64url");
      const tampered = await http("GET", "/users/me", { token: `${h}.${forgedPayload}.${sig}` });
      expect(tampered.status).toBe(401);
      expect(tampered.body.code).toBe("invalid_token");

      const key = new TextEncoder().encode(secretFor("jwt"));
      // A real session id (the sign-in's refresh-token family): only the expiry is wrong.
      const { sid } = JSON.parse(Buffer.from(u.accessToken.split(".")[1]!, "base64url").toString());
      const expired = await new SignJWT({ typ: "access", sid })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(u.user.id)
        .setIssuer("clawbox-api")
        .setAudience("clawbox-app")
        .setIssuedAt(Math.floor(Date.now() / 1000) - 1000)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key);
      const exp = await http("GET", "/users/me", { token: expired });
      expect(exp.status).toBe(401);
      expect(exp.body).toEqual({ error: "Access token expired", code: "token_expired" });

      const otherKey = await new SignJWT({ typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(u.user.id)
        .setIssuer("clawbox-api")
        .setAudience("clawbox-app")
        .setExpirationTime("5m")
        .sign(randomBytes(32));
      expect((await http("GET", "/users/me", { token: otherKey })).body.code).toBe("invalid_token");
      // A refresh token is not an access token.
      expect((await http("GET", "/users/me", { token: u.refreshToken })).status).toBe(401);
    });

    it("rotates refresh tokens and revokes the family when a used one comes back", async () => {
      const u = await signup("carol");
      const r1 = await http("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } });
      expect(r1.status).toBe(200);
      expect(r1.body.refreshToken).not.toBe(u.refreshToken);
      expect(r1.body.user.id).toBe(u.user.id);
      expect((await http("GET", "/users/me", { token: r1.body.accessToken })).status).toBe(200);

      const reuse = await http("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } });
      expect(reuse.status).toBe(401);
      expect(reuse.body.code).toBe("refresh_token_reused");
      // The thief's reuse also killed the legitimate newer token of the same family.
      const after = await http("POST", "/auth/refresh", { body: { refreshToken: r1.body.refreshToken } });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe("refresh_token_revoked");
      // Another sign-in (another family) is unaffected.
      const login = await http("POST", "/auth/login", { body: { email: u.email, password: "correct horse battery" } });
      expect((await http("POST", "/auth/refresh", { body: { refreshToken: login.body.refreshToken } })).status).toBe(200);
      expect((await http("POST", "/auth/refresh", { body: { refreshToken: "x".repeat(43) } })).body.code).toBe("invalid_refresh_token");
    });

    it("logout revokes the refresh token family", async () => {
      const u = await signup("dave");
      const out = await http("POST", "/auth/logout", { token: u.accessToken, body: { refreshToken: u.refreshToken } });
      expect(out.status).toBe(204);
      expect((await http("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } })).status).toBe(401);
    });

    it("refuses an expired refresh token", async () => {
      const short = await extraApi({ REFRESH_TOKEN_TTL_SECONDS: "1" });
      const email = `eve-${randomUUID().slice(0, 8)}@example.com`;
      const r = await short.call("POST", "/auth/signup", { body: { email, password: "correct horse battery" } });
      await new Promise((res) => setTimeout(res, 1300));
      const refreshed = await short.call("POST", "/auth/refresh", { body: { refreshToken: r.body.refreshToken } });
      expect(refreshed.status).toBe(401);
      expect(refreshed.body.code).toBe("refresh_token_expired");
    });

    it("rate-limits the auth endpoints per IP and route with 429 in the error shape", async () => {
      const limited = await extraApi({ AUTH_RATE_LIMIT_PER_MINUTE: "3" });
      const statuses: number[] = [];
      let last: any;
      for (let i = 0; i < 4; i++) {
        last = await limited.call("POST", "/auth/login", { body: { email: "rl@example.com", password: "whatever1" } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(last.body).toMatchObject({ error: expect.any(String), code: "rate_limited" });
      expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another route has its own bucket.
      expect((await limited.call("POST", "/auth/refresh", { body: { refreshToken: "y".repeat(43) } })).status).toBe(401);
    });
  });

  describe("Google and Apple sign-in (stand-in JWKS with real keys)", () => {
    it("Google: accepts a valid ID token, same subject = same account; refuses wrong audience, issuer, expired, bad signature", async () => {
      const sub = `g-${randomUUID()}`;
      const email = `g-${randomUUID().slice(0, 8)}@gmail.com`;
      const first = await http("POST", "/auth/google", { body: { idToken: await s.google.sign({ sub, email, emailVerified: true, name: "Gina" }) } });
      expect(first.status).toBe(200);
      expect(first.body.user).toMatchObject({ email, name: "Gina" });
      const again = await http("POST", "/auth/google", { body: { idToken: await s.google.sign({ sub, issuer: "accounts.google.com" }) } });
      expect(again.body.user.id).toBe(first.body.user.id);

      for (const [opts, why] of [
        [{ audience: "someone-else.apps.googleusercontent.com" }, "claim aud"],
        [{ issuer: "https://evil.example.com" }, "claim iss"],
        [{ expiresIn: -120 }, "expired"],
        [{ foreign: true }, "signature"],
      ] as const) {
        const r = await http("POST", "/auth/google", { body: { idToken: await s.google.sign({ sub, ...opts }) } });
        expect(r.status, why).toBe(401);
        expect(r.body.code).toBe("invalid_id_token");
        expect(r.body.error).toMatch(/Google ID token refused/);
      }
      // An Apple token is not a Google token.
      const apple = await http("POST", "/auth/google", { body: { idToken: await s.apple.sign({ sub }) } });
      expect(apple.status).toBe(401);
    });

    it("Google links to the email account with the same verified email", async () => {
      const u = await signup("linker");
      const r = await http("POST", "/auth/google", { body: { idToken: await s.google.sign({ email: u.email, emailVerified: true }) } });
      expect(r.body.user.id).toBe(u.user.id);
    });

    it("Apple: checks the nonce (sha256 of the raw nonce) besides signature, issuer, audience and expiry", async () => {
      const sub = `a-${randomUUID()}`;
      const nonce = randomBytes(16).toString("hex");
      const ok = await http("POST", "/auth/apple", { body: { idToken: await s.apple.sign({ sub, nonce, email: "relay@privaterelay.appleid.com", emailVerified: true }), nonce, name: "Anna" } });
      expect(ok.status).toBe(200);
      expect(ok.body.user).toMatchObject({ name: "Anna" });

      const wrongNonce = await http("POST", "/auth/apple", { body: { idToken: await s.apple.sign({ sub, nonce }), nonce: "another-nonce-value" } });
      expect(wrongNonce.status).toBe(401);
      expect(wrongNonce.body.error).toMatch(/nonce/);
      const rawNonceInToken = await http("POST", "/auth/apple", { body: { idToken: await s.apple.sign({ sub, nonceClaim: nonce }), nonce } });
      expect(rawNonceInToken.status).toBe(401);
      for (const opts of [{ audience: "com.other.app" }, { issuer: "https://accounts.google.com" }, { expiresIn: -60 }, { foreign: true }]) {
        const r = await http("POST", "/auth/apple", { body: { idToken: await s.apple.sign({ sub, nonce, ...opts }), nonce } });
        expect(r.status, JSON.stringify(opts)).toBe(401);
        expect(r.body.code).toBe("invalid_id_token");
      }
      const missingNonce = await http("POST", "/auth/apple", { body: { idToken: await s.apple.sign({ sub, nonce }) } });
      expect(missingNonce.body).toEqual({ error: "nonce is required", code: "invalid_request", field: "nonce", rule: "required" });
    });
  });

  describe("subscriptions (RevenueCat stand-in)", () => {
    it("gates instance creation on the entitlement; the webhook keeps the state current", async () => {
      const u = await signup("freeloader");
      const sub = await http("GET", "/subscription", { token: u.accessToken });
      expect(sub.body).toEqual({ active: false, entitlement: "pro", expiresAt: null, source: "revenuecat_api", required: true });
      const refused = await http("POST", "/instances", { token: u.accessToken });
      expect(refused.status).toBe(402);
      expect(refused.body.code).toBe("subscription_required");

      const url = `${api.url}/webhooks/revenuecat`;
      const expiration = Date.now() + 30 * 86_400_000;
      expect((await sendWebhook(url, "wrong", { type: "INITIAL_PURCHASE", app_user_id: u.user.id, entitlement_ids: ["pro"], expiration_at_ms: expiration })).status).toBe(401);
      const hook = await sendWebhook(url, s.secrets.webhookSecret, { type: "INITIAL_PURCHASE", app_user_id: u.user.id, entitlement_ids: ["pro"], expiration_at_ms: expiration });
      expect(hook).toEqual({ status: 200, body: { ok: true, applied: true } });
      const now = await http("GET", "/subscription", { token: u.accessToken });
      expect(now.body).toMatchObject({ active: true, source: "revenuecat_webhook", expiresAt: new Date(expiration).toISOString() });
      const created = await http("POST", "/instances", { token: u.accessToken });
      expect(created.status).toBe(201);
    });

    it("asks RevenueCat's subscriber API for a user it has not cached", async () => {
      const u = await entitledUser();
      const before = s.revenuecat.lookups.length;
      expect((await http("GET", "/subscription", { token: u.accessToken })).body).toMatchObject({ active: true, required: true, source: "revenuecat_api" });
      expect(s.revenuecat.lookups.slice(before)).toEqual([u.user.id]);
      // Cached: a second check does not ask again.
      await http("GET", "/subscription", { token: u.accessToken });
      expect(s.revenuecat.lookups.length).toBe(before + 1);
    });

    it("without REVENUECAT_API_KEY everyone is entitled", async () => {
      const open = await extraApi({ REVENUECAT_API_KEY: undefined, OPENROUTER_MANAGEMENT_KEY: undefined });
      const email = `open-${randomUUID().slice(0, 8)}@example.com`;
      const u = await open.call("POST", "/auth/signup", { body: { email, password: "correct horse battery" } });
      expect((await open.call("GET", "/subscription", { token: u.body.accessToken })).body).toEqual({ active: true, entitlement: "pro", expiresAt: null, source: "not_required", required: false });
      const created = await open.call("POST", "/instances", { token: u.body.accessToken });
      expect(created.status).toBe(201);
      // The Manager got no user secret and no model key: its Secrets hold only its own tokens.
      const userId = managerUserIdFor(u.body.user.id);
      expect(Object.keys((await secretData(instanceNames(userId).secret))!).sort()).toEqual(["CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN"]);
      expect(await secretData(instanceNames(userId).modelSecret)).toEqual({});
    });
  });

  describe("instances (the real Manager on the test cluster)", () => {
    it("creates, polls to running, passes the Manager's status through, refuses what the App API refuses, deletes everything", async () => {
      const u = await withVolume(await entitledUser("owner"));
      const managerUserId = managerUserIdFor(u.user.id);
      const created = await http("POST", "/instances", { token: u.accessToken });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), phase: expect.stringMatching(/^(pending|starting)$/), ready: false });
      expect(created.body).not.toHaveProperty("userId");
      const id = created.body.id;
      // The Manager received the derived userId, never anything the user chose.
      expect(managerUserId).toMatch(/^u-[0-9a-f]{12}$/);
      expect(await managerStatus(managerUserId)).toBe(200);

      const list = await http("GET", "/instances", { token: u.accessToken });
      expect(list.body.map((i: any) => i.id)).toEqual([id]);
      const running = await waitRunning(u.accessToken, id);
      expect(running).toMatchObject({ id, phase: "running", ready: true, pods: [expect.objectContaining({ phase: "Running", ready: true })] });
      // Kubernetes reports no sandbox flag (the pod is the sandbox); only a local Manager says isolated: false.
      expect(running).not.toHaveProperty("isolated");

      const again = await http("POST", "/instances", { token: u.accessToken });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: "instance_limit", details: { limit: 1, instanceIds: [id] } });

      for (const method of ["config.patch", "plugins.install", "exec.approvals.set", "secrets.store.set"]) {
        const r = await http("POST", `/instances/${id}/rpc`, { token: u.accessToken, body: { method, params: {} } });
        expect(r.status, method).toBe(403);
        expect(r.body).toMatchObject({ code: "rpc_method_forbidden", field: "method", rule: "allowlist" });
        expect(r.body.error).toContain(method);
      }
      const badBot = await http("POST", `/instances/${id}/telegram/setup`, { token: u.accessToken, body: { botToken: "nope" } });
      expect(badBot.status).toBe(400);
      expect(badBot.body).toMatchObject({ field: "botToken", rule: "pattern" });
      expect(badBot.text).not.toContain("nope");
      expect((await http("GET", `/instances/${id}/pairing/list?channel=Not%20A%20Channel`, { token: u.accessToken })).body).toMatchObject({ field: "channel", rule: "pattern" });
      const longRpc = await http("POST", `/instances/${id}/rpc`, { token: u.accessToken, body: { method: "status", timeoutMs: 600_000 } });
      expect(longRpc.body).toMatchObject({ code: "invalid_request", field: "timeoutMs", rule: "maximum" });
      expect((await http("POST", `/instances/${id}/whatsapp/qr`, { token: u.accessToken, body: { force: "yes" } })).body).toMatchObject({ field: "force", rule: "type" });

      const del = await http("DELETE", `/instances/${id}?preservePvc=false`, { token: u.accessToken });
      expect(del.body).toEqual({ id, deleted: true, pvcPreserved: false });
      expect((await http("GET", "/instances", { token: u.accessToken })).body).toEqual([]);
      await expectGoneFromManagerAndCluster(managerUserId);
    });

    it("one user cannot read, delete or call another user's instance (404)", async () => {
      const a = await withVolume(await entitledUser("a"));
      const b = await entitledUser("b");
      const id = (await http("POST", "/instances", { token: a.accessToken })).body.id;
      await waitRunning(a.accessToken, id);
      const attempts: [string, string, unknown?][] = [
        ["GET", `/instances/${id}`],
        ["DELETE", `/instances/${id}`],
        ["POST", `/instances/${id}/restart`],
        ["POST", `/instances/${id}/rpc`, { method: "status" }],
        ["POST", `/instances/${id}/telegram/setup`, { botToken: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11" }],
        ["GET", `/instances/${id}/telegram/status`],
        ["POST", `/instances/${id}/telegram/logout`],
        ["GET", `/instances/${id}/pairing/list`],
        ["POST", `/instances/${id}/pairing/approve`, { channel: "telegram", code: "ABCDEFGH" }],
        ["POST", `/instances/${id}/whatsapp/qr`, {}],
        ["GET", `/instances/${id}/whatsapp/status`],
        ["POST", `/instances/${id}/vnc/ticket`],
      ];
      for (const [method, path, body] of attempts) {
        const r = await http(method, path, { token: b.accessToken, body });
        expect(r.status, `${method} ${path}`).toBe(404);
        expect(r.body).toEqual({ error: "Instance not found", code: "not_found" });
      }
      expect((await http("GET", "/instances", { token: b.accessToken })).body).toEqual([]);
      expect((await http("GET", `/instances/${randomUUID()}`, { token: a.accessToken })).status).toBe(404);
      expect((await http("GET", `/instances/not-a-uuid`, { token: a.accessToken })).status).toBe(404);
      // A's instance is untouched, in the App API and in the Manager.
      expect((await http("GET", `/instances/${id}`, { token: a.accessToken })).body.phase).toBe("running");
      expect(await managerStatus(managerUserIdFor(a.user.id))).toBe(200);

      // VNC: A's ticket is bound to A's instance. (The live socket itself needs a gateway's
      // desktop: real-manager.e2e.test.ts opens it.)
      const t = await http("POST", `/instances/${id}/vnc/ticket`, { token: a.accessToken });
      expect(t.body).toMatchObject({ ticket: expect.stringMatching(/^vt2\./), path: `/instances/${id}/vnc?ticket=${encodeURIComponent(t.body.ticket)}` });
      const bId = (await http("POST", "/instances", { token: b.accessToken })).body.id;
      const socketStatus = (path: string) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(api.url.replace("http", "ws") + path, ["binary"]);
          ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
          ws.once("open", () => {
            ws.close();
            resolve(101);
          });
          ws.once("error", () => resolve(-1));
        });
      // Another instance, a bad ticket and no ticket: one answer (404).
      for (const path of [`/instances/${bId}/vnc?ticket=${encodeURIComponent(t.body.ticket)}`, `/instances/${id}/vnc?ticket=vt2.bad`, `/instances/${id}/vnc`]) {
        expect(await socketStatus(path), path).toBe(404);
      }

      // The Manager refuses the socket (here it no longer has the instance): the browser gets one
      // clear answer and the API stays up (it used to crash writing to the closed socket twice).
      const gone = await manager.app.inject({ method: "DELETE", url: `/api/instances/${managerUserIdFor(a.user.id)}?preservePvc=false`, headers: { authorization: `Bearer ${API_KEY}` } });
      expect(gone.statusCode).toBe(200);
      expect(await socketStatus(t.body.path)).toBe(404);
      expect((await http("GET", "/health")).body).toEqual({ ok: true });
    });

    it("leaves nothing behind when the Manager fails a create, and a retry works", async () => {
      const u = await entitledUser("retry");
      const managerUserId = managerUserIdFor(u.user.id);
      const keysBefore = new Set(s.openrouter.keys.keys());
      const lift = await refuse(admin, "ConfigMap", managerUserId);
      try {
        const failed = await http("POST", "/instances", { token: u.accessToken });
        expect(failed.status).toBe(400);
        expect(failed.body.error).toContain("test policy refuses ConfigMap");
      } finally {
        await lift();
      }
      expect((await http("GET", "/instances", { token: u.accessToken })).body).toEqual([]);
      await expectGoneFromManagerAndCluster(managerUserId);
      // The key this create made is switched off again.
      expect([...s.openrouter.keys.values()].filter((k) => !keysBefore.has(k.hash) && !k.disabled)).toEqual([]);
      const retry = await http("POST", "/instances", { token: u.accessToken });
      expect(retry.status, retry.text).toBe(201);
      expect(await managerStatus(managerUserId)).toBe(200);
    });

    it("maps an unreachable Manager to 503 in the error shape", async () => {
      const down = await extraApi({ MANAGER_URL: "http://127.0.0.1:9", REVENUECAT_API_KEY: undefined, OPENROUTER_MANAGEMENT_KEY: undefined });
      const email = `down-${randomUUID().slice(0, 8)}@example.com`;
      const u = await down.call("POST", "/auth/signup", { body: { email, password: "correct horse battery" } });
      const r = await down.call("POST", "/instances", { token: u.body.accessToken });
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ error: "The instance manager is unreachable", code: "manager_unreachable" });
      expect((await down.call("GET", "/instances", { token: u.body.accessToken })).body).toEqual([]);
    });
  });

  describe("the assistant's model (GET/PUT/DELETE /users/me/model)", () => {
    it("stores the user's model with the key encrypted, applies it to their assistant, and never returns the key", async () => {
      const u = await entitledUser("modeller");
      const created = await http("POST", "/instances", { token: u.accessToken });
      expect(created.status).toBe(201);
      const managerUserId = managerUserIdFor(u.user.id);
      const key = `sk-user-own-${randomBytes(12).toString("hex")}`;
      const body = { provider: "openai-compatible", model: "llama3.1:8b", baseUrl: "http://127.0.0.1:11434/v1", apiKey: key };
      const put = await http("PUT", "/users/me/model", { token: u.accessToken, body });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ provider: "openai-compatible", model: "llama3.1:8b", baseUrl: "http://127.0.0.1:11434/v1", hasApiKey: true, source: "user" });
      // The Manager applied it: the key in the model Secret only, provider and model in the config.
      const names = instanceNames(managerUserId);
      expect(await secretData(names.modelSecret)).toEqual({ CLAWBOX_MODEL_API_KEY: key });
      expect(await gatewayConfig(managerUserId)).toContain("llama3.1:8b");
      expect(await gatewayConfig(managerUserId)).toContain("http://127.0.0.1:11434/v1");
      expect(await gatewayConfig(managerUserId)).not.toContain(key);
      expect((await http("GET", "/users/me/model", { token: u.accessToken })).body).toEqual(put.body);
      const rows = await db.handle.db.select().from(modelSettings);
      const row = rows.find((r) => r.userId === u.user.id)!;
      expect(row.keyEncrypted).toBeTruthy();
      expect(JSON.stringify(row)).not.toContain(key);

      // Changing only the model keeps the stored key; the assistant gets both.
      const again = await http("PUT", "/users/me/model", { token: u.accessToken, body: { ...body, apiKey: undefined, model: "qwen2.5:7b" } });
      expect(again.body.hasApiKey).toBe(true);
      expect(await secretData(names.modelSecret)).toEqual({ CLAWBOX_MODEL_API_KEY: key });
      expect(await gatewayConfig(managerUserId)).toContain("qwen2.5:7b");

      // Removing it falls back to the platform's OpenRouter model.
      expect((await http("DELETE", "/users/me/model", { token: u.accessToken })).status).toBe(204);
      expect((await http("GET", "/users/me/model", { token: u.accessToken })).body.source).toBe("openrouter");
      expect(await gatewayConfig(managerUserId)).toContain(DEFAULT_OPENROUTER_MODEL);
      expect(Object.keys((await secretData(names.modelSecret))!)).toEqual(["OPENROUTER_API_KEY"]);
      expect(responses.filter((r) => r.includes(key))).toEqual([]);
      expect(api.logs.filter((l) => l.includes(key))).toEqual([]);
    });

    it.each([
      [{ provider: "gemini-free", model: "x" }, "provider", "enum"],
      [{ provider: "openai-compatible", model: "x", baseUrl: "file:///etc/passwd" }, "baseUrl", "http-url"],
      [{ provider: "openai-compatible", model: "x", baseUrl: "http://169.254.169.254/latest" }, "baseUrl", "not-link-local"],
      [{ provider: "openai-compatible", model: "x", baseUrl: "http://[fe80::1]/v1" }, "baseUrl", "not-link-local"],
      [{ provider: "openai", model: "" }, "model", "minLength"],
      [{ provider: "openai", model: "gpt", extra: 1 }, "extra", "unknown-property"],
    ])("refuses %j with a 400 naming %s (%s), storing nothing", async (body, field, rule) => {
      const u = await signup("badmodel");
      const r = await http("PUT", "/users/me/model", { token: u.accessToken, body });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: "invalid_request", field, rule });
      const rows = await db.handle.db.select().from(modelSettings);
      expect(rows.filter((x) => x.userId === u.user.id)).toEqual([]);
    });

    it("self-hosted: without OpenRouter the operator's default applies, and without one GET says no model", async () => {
      const none = await extraApi({ OPENROUTER_MANAGEMENT_KEY: undefined });
      const email = `nomodel-${randomUUID().slice(0, 8)}@example.com`;
      const u = await none.call("POST", "/auth/signup", { body: { email, password: "correct horse battery" } });
      const r = await none.call("GET", "/users/me/model", { token: u.body.accessToken });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: "model_not_configured" });
      const operator = await extraApi({
        OPENROUTER_MANAGEMENT_KEY: undefined,
        CLAWBOX_DEFAULT_MODEL_PROVIDER: "openai-compatible",
        CLAWBOX_DEFAULT_MODEL: "llama3.1:8b",
        CLAWBOX_DEFAULT_MODEL_BASE_URL: "http://127.0.0.1:11434/v1",
      });
      const v = await operator.call("GET", "/users/me/model", { token: u.body.accessToken });
      expect(v.body).toEqual({ provider: "openai-compatible", model: "llama3.1:8b", baseUrl: "http://127.0.0.1:11434/v1", hasApiKey: false, source: "operator" });
    });
  });

  describe("OpenRouter keys (stand-in)", () => {
    it("provisions a key with the first instance, passes it as the key of the default OpenRouter model, stores it encrypted, disables it on lapse and account deletion; the key is never in a response or log line", async () => {
      const u = await entitledUser("router");
      const created = await http("POST", "/instances", { token: u.accessToken });
      expect(created.status).toBe(201);
      const createCall = s.openrouter.calls.filter((c) => c.method === "POST").at(-1)!;
      expect(createCall).toMatchObject({ path: "/api/v1/keys", authorized: true, body: { name: expect.stringMatching(/^clawbox-u-[0-9a-f]{12}$/), limit: 7 } });
      const stored = [...s.openrouter.keys.values()].find((k) => k.name === (createCall.body as any).name)!;
      expect(stored.key).toMatch(/^sk-or-v1-/);
      const managerUserId = (createCall.body as any).name.replace(/^clawbox-/, "");
      expect(managerUserId).toBe(managerUserIdFor(u.user.id));
      // On the cluster: no user secret besides the Manager's tokens; the key only in the model Secret.
      const names = instanceNames(managerUserId);
      expect(Object.keys((await secretData(names.secret))!).sort()).toEqual(["CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN"]);
      expect(await secretData(names.modelSecret)).toEqual({ OPENROUTER_API_KEY: stored.key });
      expect(await gatewayConfig(managerUserId)).toContain(DEFAULT_OPENROUTER_MODEL);
      // What the user sees: the platform's model, never the key.
      const view = await http("GET", "/users/me/model", { token: u.accessToken });
      expect(view.body).toEqual({ provider: "openrouter", model: DEFAULT_OPENROUTER_MODEL, hasApiKey: true, source: "openrouter" });

      // At rest: only the ciphertext and a hash.
      const rows = await db.handle.db.select().from(openrouterKeys);
      const row = rows.find((r) => r.providerKeyHash === stored.hash)!;
      expect(row).toMatchObject({ state: "active", limitCredits: 7 });
      expect(JSON.stringify(row)).not.toContain(stored.key);
      expect(JSON.stringify(row)).not.toContain(stored.key.slice(9, 40));

      // Re-create after delete reuses the same key (one key per user).
      await http("DELETE", `/instances/${created.body.id}`, { token: u.accessToken });
      await http("POST", "/instances", { token: u.accessToken });
      expect(s.openrouter.calls.filter((c) => c.method === "POST" && (c.body as any)?.name === (createCall.body as any).name)).toHaveLength(1);

      // Subscription lapses -> key disabled; renewal -> enabled again.
      const url = `${api.url}/webhooks/revenuecat`;
      await sendWebhook(url, s.secrets.webhookSecret, { type: "EXPIRATION", app_user_id: u.user.id, entitlement_ids: ["pro"], expiration_at_ms: Date.now() - 1000 });
      expect(stored.disabled).toBe(true);
      expect((await http("GET", "/subscription", { token: u.accessToken })).body.active).toBe(false);
      await sendWebhook(url, s.secrets.webhookSecret, { type: "RENEWAL", app_user_id: u.user.id, entitlement_ids: ["pro"], expiration_at_ms: Date.now() + 86_400_000 });
      expect(stored.disabled).toBe(false);

      // Account deletion: instance deleted with its data, key disabled, sessions gone.
      const del = await http("DELETE", "/users/me", { token: u.accessToken });
      expect(del.status).toBe(204);
      expect(stored.disabled).toBe(true);
      await expectGoneFromManagerAndCluster(managerUserId); // the data claim too
      expect((await http("POST", "/auth/refresh", { body: { refreshToken: u.refreshToken } })).status).toBe(401);
      expect((await http("POST", "/auth/login", { body: { email: u.email, password: "correct horse battery" } })).status).toBe(401);

      // The key (and every other secret) never left in a response body or a log line.
      const secrets = [stored.key, s.secrets.openrouterManagementKey, s.secrets.managerApiKey, s.secrets.revenuecatKey, s.secrets.webhookSecret, u.refreshToken, u.accessToken, "correct horse battery"];
      const logs = [...api.logs, ...extraApis.flatMap((a) => a.logs)];
      expect(logs.length).toBeGreaterThan(20);
      for (const secret of secrets) {
        expect(responses.filter((r) => r.includes(stored.key))).toEqual([]);
        expect(logs.filter((l) => l.includes(secret)), "a log line carries a secret").toEqual([]);
      }
      expect(logs.some((l) => l.includes("openrouter key created"))).toBe(true);
    });

    it("refuses a wrong management key at the stand-in and reports 502 without leaking it", async () => {
      const wrong = await extraApi({ OPENROUTER_MANAGEMENT_KEY: "sk-or-mgmt-wrong" });
      const email = `wrongkey-${randomUUID().slice(0, 8)}@example.com`;
      const u = await wrong.call("POST", "/auth/signup", { body: { email, password: "correct horse battery" } });
      s.revenuecat.setEntitlement(u.body.user.id, "pro", null);
      const r = await wrong.call("POST", "/instances", { token: u.body.accessToken });
      expect(r.status).toBe(502);
      expect(r.body).toEqual({ error: "OpenRouter key management failed (HTTP 401)", code: "openrouter_error" });
      expect(s.openrouter.calls.at(-1)!.authorized).toBe(false);
      expect((await wrong.call("GET", "/instances", { token: u.body.accessToken })).body).toEqual([]);
    });
  });

  describe("afterwards", () => {
    it("deleting every account that made an instance leaves nothing in the App API, the Manager or the cluster", async () => {
      expect(owners.size).toBeGreaterThan(3);
      for (const token of owners) {
        const r = await http("DELETE", "/users/me", { token });
        // 401: the account or its session is already gone (a test deleted it).
        expect([204, 401], r.text).toContain(r.status);
      }
      const managerList = await manager.app.inject({ method: "GET", url: "/api/instances", headers: { authorization: `Bearer ${API_KEY}` } });
      const left = new Set((managerList.json() as { instances: { userId: string }[] }).instances.map((i) => i.userId));
      for (const token of owners) {
        const userId = managerUserOf(token);
        expect(left.has(userId), userId).toBe(false);
        await expectGoneFromManagerAndCluster(userId);
      }
      expect([...s.openrouter.keys.values()].filter((k) => !k.disabled)).toEqual([]);
    });
  });
});
