import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveInstanceToken, USER_ID_MAX_LENGTH, USER_ID_PATTERN } from "@clawbox/shared";
import { managerUserIdFor } from "../../deploy/api/src/manager/manager-user-id.ts";
import { launchChromium } from "../e2e/support/browser.ts";
import { call, rawRequest, wsProbe } from "./support/http.ts";
import { AUTH_RATE_LIMIT_PER_MINUTE, logFiles, signup, startTarget, type Target } from "./support/platform.ts";

/**
 * The attack of issue 12 kept as a suite: every probe that found a hole, against the real
 * platform as `npm start` runs it (Manager with the local runtime and a real OpenClaw gateway,
 * App API on PGlite, the app's proxy). One describe per hole; the last one greps every log line
 * the run produced for every credential the run used.
 */
let t: Target;
/** Every credential this run handled: none may appear in any log line. */
const credentials = new Set<string>();
const remember = <T extends { accessToken?: string; refreshToken?: string; password?: string }>(s: T): T => {
  for (const v of [s.accessToken, s.refreshToken, s.password]) if (v) credentials.add(v);
  return s;
};

/** The owner of the one real instance, started early so its gateway boots while other probes run. */
let owner: Awaited<ReturnType<typeof signup>>;
let instanceId: string;
let other: Awaited<ReturnType<typeof signup>>;
let otherInstanceId: string;

const UNIFORM_VNC_REFUSAL = { error: "Instance not found", code: "not_found" };
const ws = (path: string) => `${t.viaProxy.replace("http", "ws")}${path}`;

async function ticket(user: { accessToken: string }, id: string): Promise<{ ticket: string; path: string }> {
  const r = await call(t.viaProxy, "POST", `/instances/${id}/vnc/ticket`, { token: user.accessToken });
  expect(r.status).toBe(200);
  credentials.add(r.body.ticket);
  return r.body;
}

beforeAll(async () => {
  t = await startTarget();
  credentials.add(t.managerApiKey);
  credentials.add(t.jwtSecret);
  owner = remember(await signup(t));
  other = remember(await signup(t));
  const created = await call(t.viaProxy, "POST", "/instances", { token: owner.accessToken, body: {} });
  expect(created.status, created.text).toBe(201);
  instanceId = created.body.id;
  const mUser = managerUserIdFor(owner.user.id);
  credentials.add(deriveInstanceToken(t.managerApiKey, "gateway", mUser));
  credentials.add(deriveInstanceToken(t.managerApiKey, "agent", mUser));
  const created2 = await call(t.viaProxy, "POST", "/instances", { token: other.accessToken, body: {} });
  expect(created2.status, created2.text).toBe(201);
  otherInstanceId = created2.body.id;
  const mOther = managerUserIdFor(other.user.id);
  credentials.add(deriveInstanceToken(t.managerApiKey, "gateway", mOther));
  credentials.add(deriveInstanceToken(t.managerApiKey, "agent", mOther));
}, 900_000);

afterAll(async () => {
  await t?.stop();
});

describe("H8: a repeated ?token= at the Manager", () => {
  it("is a 401 in the one error shape, not a 500", async () => {
    const r = await call(t.managerUrl, "GET", "/api/instances/nobody/vnc?token=a&token=b");
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: expect.any(String) });
    const upgraded = await wsProbe(`${t.managerUrl.replace("http", "ws")}/api/instances/nobody/vnc?token=a&token=b`);
    expect(upgraded.status).toBe(401);
    // The same with the real key twice: an array is not the key.
    const twice = await call(t.managerUrl, "GET", `/api/instances/nobody/vnc?token=${t.managerApiKey}&token=${t.managerApiKey}`);
    expect(twice.status).toBe(401);
  });
});

describe("H9: access tokens end with their session", () => {
  it("logout ends the access token at once", async () => {
    const u = remember(await signup(t));
    expect((await call(t.viaProxy, "GET", "/users/me", { token: u.accessToken })).status).toBe(200);
    expect((await call(t.viaProxy, "POST", "/auth/logout", { token: u.accessToken, body: { refreshToken: u.refreshToken } })).status).toBe(204);
    const after = await call(t.viaProxy, "GET", "/users/me", { token: u.accessToken });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("session_revoked");
  });

  it("a family revocation (refresh-token reuse) ends every access token of that sign-in", async () => {
    const u = remember(await signup(t, "127.0.4.1"));
    const first = await call(t.viaProxy, "POST", "/auth/refresh", { body: { refreshToken: u.refreshToken }, from: "127.0.4.1" });
    expect(first.status).toBe(200);
    remember(first.body);
    const reuse = await call(t.viaProxy, "POST", "/auth/refresh", { body: { refreshToken: u.refreshToken }, from: "127.0.4.1" });
    expect(reuse.body.code).toBe("refresh_token_reused");
    for (const token of [u.accessToken, first.body.accessToken]) {
      expect((await call(t.viaProxy, "GET", "/users/me", { token })).status).toBe(401);
    }
  });

  it("account deletion ends the access token; a deleted account's POST /instances is a 401, not a 500", async () => {
    const u = remember(await signup(t));
    expect((await call(t.viaProxy, "DELETE", "/users/me", { token: u.accessToken })).status).toBe(204);
    expect((await call(t.viaProxy, "GET", "/users/me", { token: u.accessToken })).status).toBe(401);
    const create = await call(t.viaProxy, "POST", "/instances", { token: u.accessToken, body: {} });
    expect(create.status).toBe(401);
    expect(create.body).toMatchObject({ error: expect.any(String) });
  });

  it("a token without exp, or with a non-UUID sub, is a 401 (signed with the real secret)", async () => {
    const u = remember(await signup(t));
    const { sid } = JSON.parse(Buffer.from(u.accessToken.split(".")[1]!, "base64url").toString());
    const key = new TextEncoder().encode(t.jwtSecret);
    const base = () => new SignJWT({ typ: "access", sid }).setProtectedHeader({ alg: "HS256" }).setIssuer("clawbox-api").setAudience("clawbox-app").setIssuedAt();
    const noExp = await base().setSubject(u.user.id).sign(key);
    const badSub = await base().setSubject("not-a-uuid").setExpirationTime("5m").sign(key);
    const good = await base().setSubject(u.user.id).setExpirationTime("5m").sign(key);
    // The control: the same forgery with exp and a real sub is accepted, so the refusals below are about exp/sub.
    expect((await call(t.viaProxy, "GET", "/users/me", { token: good })).status).toBe(200);
    for (const token of [noExp, badSub]) {
      const r = await call(t.viaProxy, "GET", "/users/me", { token });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("invalid_token");
    }
  });
});

describe("H4: refresh-token reuse", () => {
  it("the concurrent-refresh race, 20 trials, leaves no live successor once reuse was detected", async () => {
    for (let trial = 0; trial < 20; trial++) {
      // Each trial is its own client address, so the per-address limit stays out of the way.
      const from = `127.0.1.${trial + 1}`;
      const u = remember(await signup(t, from));
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => call(t.viaProxy, "POST", "/auth/refresh", { body: { refreshToken: u.refreshToken }, from })),
      );
      for (const a of answers) if (a.status === 200) remember(a.body);
      const winners = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 401);
      expect(winners.length, `trial ${trial}`).toBeLessThanOrEqual(1);
      expect(winners.length + refused.length).toBe(4);
      expect(refused.map((a) => a.body.code)).toContain("refresh_token_reused");
      // Reuse was detected: nothing of this sign-in may still work.
      for (const w of winners) {
        const again = await call(t.viaProxy, "POST", "/auth/refresh", { body: { refreshToken: w.body.refreshToken }, from });
        expect(again.status, `trial ${trial}: the winner's successor still works`).toBe(401);
        expect((await call(t.viaProxy, "GET", "/users/me", { token: w.body.accessToken, from })).status).toBe(401);
      }
      expect((await call(t.viaProxy, "GET", "/users/me", { token: u.accessToken, from })).status).toBe(401);
    }
  });

  it("two tabs refreshing at once stay signed in (real Chromium, one localStorage)", async () => {
    const u = remember(await signup(t, "127.0.4.2"));
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const stored = {
        accessToken: u.accessToken,
        refreshToken: u.refreshToken,
        accessTokenExpiresAt: Date.now() + 600_000,
        refreshTokenExpiresAt: Date.now() + 86_400_000,
      };
      // The app's own storage format: ask the app to store the session, as sign-in does.
      const tabs = [await context.newPage(), await context.newPage()];
      await tabs[0]!.goto(t.appUrl);
      const key = "clawbox.tokens";
      const sample = await tabs[0]!.evaluate((k) => localStorage.getItem(k), key);
      expect(sample).toBeNull();
      await tabs[0]!.evaluate(
        ([k, v]) => {
          // Same shape parseAuthResponse produces (times in ms).
          localStorage.setItem(k!, v!);
        },
        [key, JSON.stringify(stored)],
      );
      for (const tab of tabs) await tab.goto(t.appUrl);
      for (const tab of tabs) await tab.waitForFunction(() => Boolean((window as any).clawbox?.session?.api?.auth));
      // Both tabs refresh at the same moment, five times over.
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          tabs.map((tab) =>
            tab.evaluate(async () => {
              try {
                const tokens = await (window as any).clawbox.session.api.auth.refresh();
                return { ok: true, refreshToken: tokens.refreshToken as string };
              } catch (e) {
                return { ok: false, error: String(e) };
              }
            }),
          ),
        );
        expect(results.map((r) => r.ok), `round ${round}: ${JSON.stringify(results)}`).toEqual([true, true]);
      }
      // Both ended on the same, still valid, session.
      const final = JSON.parse((await tabs[1]!.evaluate((k) => localStorage.getItem(k), key))!);
      remember(final);
      for (const tab of tabs) {
        const status = await tab.evaluate(async () => (await (window as any).clawbox.session.api.auth.send("/users/me")).status);
        expect(status).toBe(200);
      }
      const next = await call(t.viaProxy, "POST", "/auth/refresh", { body: { refreshToken: final.refreshToken }, from: "127.0.4.2" });
      expect(next.status).toBe(200);
      remember(next.body);
    } finally {
      await browser.close();
    }
  });
});

describe("H5: login limits", () => {
  it("100 wrong passwords for one account from 4 addresses are throttled per account", async () => {
    const victim = remember(await signup(t, "127.0.2.9"));
    const addresses = ["127.0.2.1", "127.0.2.2", "127.0.2.3", "127.0.2.4"];
    const started = Date.now();
    const answers: { status: number; error?: string }[] = [];
    // 25 rounds of 4 concurrent guesses, one per address: below each address's own limit.
    for (let round = 0; round < 25; round++) {
      const batch = await Promise.all(
        addresses.map((from, i) =>
          call(t.viaProxy, "POST", "/auth/login", { body: { email: victim.email, password: `guess-${round}-${i}` }, from }),
        ),
      );
      answers.push(...batch.map((b) => ({ status: b.status, error: b.body?.error })));
    }
    const seconds = (Date.now() - started) / 1000;
    const checked = answers.filter((a) => a.status === 401).length;
    const throttled = answers.filter((a) => a.status === 429);
    expect(checked + throttled.length).toBe(100);
    // 5 free failures, then waits of 1, 2, 4, 8 ... s: within `seconds` at most this many more.
    // (Concurrent guesses can pass the same check once each before the first failure is counted.)
    const bound = 5 + Math.ceil(Math.log2(seconds + 1)) + 1 + addresses.length;
    expect(checked).toBeLessThanOrEqual(bound);
    expect(throttled.every((a) => /this account/.test(a.error ?? ""))).toBe(true);
  });

  it("behind the app proxy, one client's failures never lock out another client", async () => {
    const b = remember(await signup(t, "127.0.3.2"));
    // Client A fails on many accounts (so only the per-address limit can stop it) until refused.
    let refusedA = 0;
    for (let i = 0; i < AUTH_RATE_LIMIT_PER_MINUTE + 5; i++) {
      const r = await call(t.viaProxy, "POST", "/auth/login", { body: { email: `nobody-${i}-${randomUUID()}@example.com`, password: "wrong-password" }, from: "127.0.3.1" });
      if (r.status === 429) refusedA++;
    }
    expect(refusedA).toBeGreaterThan(0);
    // A cannot pose as B: the proxy sets X-Forwarded-For itself.
    const spoof = await call(t.viaProxy, "POST", "/auth/login", {
      body: { email: b.email, password: b.password },
      from: "127.0.3.1",
      headers: { "x-forwarded-for": "127.0.3.2" },
    });
    expect(spoof.status).toBe(429);
    // B, a different client behind the same proxy, signs in.
    const ok = await call(t.viaProxy, "POST", "/auth/login", { body: { email: b.email, password: b.password }, from: "127.0.3.2" });
    expect(ok.status).toBe(200);
    remember(ok.body);
  });
});

describe("H6: VNC tickets are single use and bound to a user and an instance", () => {
  it("one ticket passes the App API once, even when replayed concurrently", async () => {
    const tk = await ticket(owner, instanceId);
    const outcomes = await Promise.all([1, 2, 3].map(() => wsProbe(ws(tk.path))));
    const passed = outcomes.filter((o) => !(o.status === 404 && JSON.stringify(o.body) === JSON.stringify(UNIFORM_VNC_REFUSAL)));
    expect(passed.length, JSON.stringify(outcomes)).toBe(1);
    const later = await wsProbe(ws(tk.path));
    expect(later).toMatchObject({ status: 404, body: UNIFORM_VNC_REFUSAL });
  });

  it("a ticket for one instance (and its user) opens nothing else", async () => {
    const tk = await ticket(owner, instanceId);
    const elsewhere = await wsProbe(ws(`/instances/${otherInstanceId}/vnc?ticket=${encodeURIComponent(tk.ticket)}`));
    expect(elsewhere).toMatchObject({ status: 404, body: UNIFORM_VNC_REFUSAL });
  });

  it("the Manager takes each ticket once too", async () => {
    const tk = await ticket(owner, instanceId);
    const mUser = managerUserIdFor(owner.user.id);
    const url = `${t.managerUrl.replace("http", "ws")}/api/instances/${mUser}/vnc?token=${encodeURIComponent(tk.ticket)}`;
    const first = await wsProbe(url);
    expect(first.status).not.toBe(401);
    const second = await wsProbe(url);
    expect(second.status).toBe(401);
  });
});

describe("H7: one answer for not yours, does not exist and bad ticket", () => {
  it("a VNC upgrade answers the same status and body in every case", async () => {
    const othersTicket = await ticket(other, otherInstanceId);
    const probes = [
      `/instances/${instanceId}/vnc?ticket=bogus`, // exists, bad ticket
      `/instances/${randomUUID()}/vnc?ticket=bogus`, // does not exist
      `/instances/${instanceId}/vnc?ticket=${encodeURIComponent(othersTicket.ticket)}`, // not yours
      `/instances/${instanceId}/vnc`, // no ticket
      `/instances/not-a-uuid/vnc?ticket=x`,
    ];
    for (const p of probes) {
      for (const base of [t.viaProxy, t.apiUrl]) {
        const o = await wsProbe(`${base.replace("http", "ws")}${p}`);
        expect({ status: o.status, body: o.body }, p).toEqual({ status: 404, body: UNIFORM_VNC_REFUSAL });
      }
    }
  });
});

describe("H10: no 5xx and no dropped connections on valid requests", () => {
  it("pairing list on an instance without Telegram: a clean empty answer, channel optional", async () => {
    // Wait until the owner's gateway runs (it has been starting since beforeAll).
    let phase = "";
    for (let i = 0; i < 240 && phase !== "running"; i++) {
      phase = (await call(t.viaProxy, "GET", `/instances/${instanceId}`, { token: owner.accessToken })).body.phase;
      if (phase !== "running") await new Promise((r) => setTimeout(r, 2000));
    }
    expect(phase).toBe("running");
    const telegram = await call(t.viaProxy, "GET", `/instances/${instanceId}/pairing/list?channel=telegram`, { token: owner.accessToken });
    expect(telegram.status, telegram.text).toBe(200);
    expect(telegram.body).toEqual({ channel: "telegram", requests: [] });
    expect(telegram.text).not.toMatch(/unknown pairing channel/i);
    const any = await call(t.viaProxy, "GET", `/instances/${instanceId}/pairing/list`, { token: owner.accessToken });
    expect(any.status, any.text).toBe(200);
    expect(any.body).toMatchObject({ channel: null, requests: expect.any(Array) });
  }, 600_000);

  it("a WebSocket upgrade to /instances/%ZZ/vnc gets an HTTP answer", async () => {
    for (const base of [t.viaProxy, t.apiUrl]) {
      const o = await wsProbe(`${base.replace("http", "ws")}/instances/%ZZ/vnc?ticket=x`);
      expect(o).toMatchObject({ status: 404, body: UNIFORM_VNC_REFUSAL });
    }
  });

  it("414 and 431 come in the one error shape from both services", async () => {
    const longId = "a".repeat(300);
    const api414 = await call(t.apiUrl, "GET", `/instances/${longId}`, { token: owner.accessToken });
    const mgr414 = await call(t.managerUrl, "GET", `/api/instances/${longId}`, { token: t.managerApiKey });
    for (const r of [api414, mgr414]) {
      expect(r.status).toBe(414);
      expect(r.body).toMatchObject({ error: expect.any(String), code: "uri_too_long" });
    }
    const huge = `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(64 * 1024)}\r\n\r\n`;
    for (const base of [t.apiUrl, t.managerUrl]) {
      const r = await rawRequest(base, huge);
      expect(r.status, base).toBe(431);
      expect(r.body).toMatchObject({ error: expect.any(String), code: "headers_too_large" });
    }
  });

  it("both OpenAPI specs document 400/401/404, and the Manager's userId is the server's rule", async () => {
    const apiSpec = (await call(t.apiUrl, "GET", "/docs-json")).body;
    const mgrSpec = (await call(t.managerUrl, "GET", "/openapi.json")).body;
    for (const [name, spec] of [["api", apiSpec], ["manager", mgrSpec]] as const) {
      for (const [path, item] of Object.entries<any>(spec.paths)) {
        for (const [method, op] of Object.entries<any>(item)) {
          if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
          // Every secured operation documents 400/401/404; every App API operation 400/404.
          const secured = (op.security?.length ?? 0) > 0;
          const needed = secured ? ["400", "401", "404"] : name === "api" ? ["400", "404"] : [];
          for (const code of needed) expect(Object.keys(op.responses), `${name} ${method} ${path}`).toContain(code);
        }
      }
    }
    const userIdParams = Object.values<any>(mgrSpec.paths)
      .flatMap((item) => Object.values<any>(item))
      .flatMap((op) => (op.parameters ?? []).filter((p: any) => p.name === "userId"));
    expect(userIdParams.length).toBeGreaterThan(5);
    for (const p of userIdParams) expect(p.schema).toMatchObject({ pattern: USER_ID_PATTERN.source, maxLength: USER_ID_MAX_LENGTH });
  });
});

describe("H3: no credential in any log line", () => {
  it("the Manager request log never holds ?token= values, tickets or the API key; log files are 0600", async () => {
    // The probe that leaked the key: the key in the query string.
    await call(t.managerUrl, "GET", `/api/instances/${managerUserIdFor(owner.user.id)}/vnc?token=${t.managerApiKey}`);
    // The log files ClawBox's processes write (instances/<userId>/logs/*.log). Files third-party
    // tools write elsewhere in an instance's home (e.g. npm's debug logs) are only grepped below.
    const files = logFiles(t.dataDir).filter((f) => /\/instances\/[^/]+\/logs\//.test(f.path));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.mode.toString(8), f.path).toBe("600");
  });

  it("every log line of every service in this run is free of every credential it used", async () => {
    expect(credentials.size).toBeGreaterThan(40);
    const lines = [...t.output];
    for (const f of logFiles(t.dataDir)) lines.push(...readFileSync(f.path, "utf8").split("\n"));
    expect(lines.length).toBeGreaterThan(100);
    const leaks: string[] = [];
    for (const line of lines) {
      for (const secret of credentials) if (secret.length >= 8 && line.includes(secret)) leaks.push(`${secret.slice(0, 6)}… in: ${line.slice(0, 200)}`);
      if (/[?&](token|ticket)=(?!\[redacted\])[^&\s"]+/.test(line)) leaks.push(`credential query parameter in: ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });
});
