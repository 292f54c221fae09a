import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startApi, type RunningApi } from "../src/app.factory.ts";
import { loadConfig } from "../src/config.ts";
import { openDatabase, type DatabaseHandle } from "../src/db/database.ts";
import * as jwks from "../../../test/standins/jwks-standin.ts";
import * as openrouter from "../../../test/standins/openrouter-standin.ts";
import * as revenuecat from "../../../test/standins/revenuecat-standin.ts";

/**
 * Test harness for the App API e2e tests: a real database (a fresh PostgreSQL database in the
 * throwaway server from test/setup/postgres.global.ts, or an in-memory PGlite), the stand-ins
 * for Google, Apple, RevenueCat and OpenRouter, and any number of App API servers on that
 * database, each with its own env and captured logs. The Manager is always a real one (its URL
 * is given): deploy/manager/test/harness.ts on the test cluster, or a local-runtime process.
 */
export type DbKind = "postgres" | "pglite";

export interface Env {
  [k: string]: string | undefined;
}

export interface Api extends RunningApi {
  logs: string[];
}

export async function createTestDatabase(kind: DbKind, serverUrl?: string): Promise<{ handle: DatabaseHandle; url?: string; drop(): Promise<void> }> {
  if (kind === "pglite") {
    const handle = await openDatabase({ pgliteDir: "memory://" });
    await handle.migrate();
    return { handle, drop: () => handle.close() };
  }
  if (!serverUrl) throw new Error("databaseUrl not provided by test/setup/postgres.global.ts");
  const name = `api_${randomUUID().replace(/-/g, "")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
  const handle = await openDatabase({ databaseUrl: url, pgliteDir: "unused" });
  await handle.migrate();
  return {
    handle,
    url,
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startStandins(managerApiKey: string, managerUrl: string) {
  const secrets = {
    managerApiKey,
    revenuecatKey: `rc_sk_${randomBytes(8).toString("hex")}`,
    webhookSecret: `whsec_${randomBytes(12).toString("hex")}`,
    openrouterManagementKey: `sk-or-mgmt-${randomBytes(16).toString("hex")}`,
  };
  const google = await jwks.start({ flavor: "google", clientId: "clawbox-web.apps.googleusercontent.com" });
  const apple = await jwks.start({ flavor: "apple", clientId: "app.clawbox.signin" });
  const rc = await revenuecat.start({ apiKey: secrets.revenuecatKey });
  const or = await openrouter.start({ managementKey: secrets.openrouterManagementKey });
  return {
    secrets,
    google,
    apple,
    revenuecat: rc,
    openrouter: or,
    managerUrl,
    /** Env for an App API using every stand-in (subscriptions and OpenRouter keys on). */
    env(extra: Env = {}): Env {
      return {
        NODE_ENV: "test",
        JWT_SECRET: secretFor("jwt"),
        ENCRYPTION_KEY: randomBytes(32).toString("hex"),
        MANAGER_URL: managerUrl,
        MANAGER_API_KEY: managerApiKey,
        GOOGLE_CLIENT_ID: google.clientId,
        GOOGLE_JWKS_URL: google.jwksUrl,
        APPLE_CLIENT_ID: apple.clientId,
        APPLE_JWKS_URL: apple.jwksUrl,
        REVENUECAT_API_KEY: secrets.revenuecatKey,
        REVENUECAT_API_URL: rc.url,
        REVENUECAT_WEBHOOK_SECRET: secrets.webhookSecret,
        OPENROUTER_MANAGEMENT_KEY: secrets.openrouterManagementKey,
        OPENROUTER_API_URL: or.url,
        OPENROUTER_KEY_LIMIT: "7",
        AUTH_RATE_LIMIT_PER_MINUTE: "10000",
        ...extra,
      };
    },
    async stop() {
      await Promise.all([google.stop(), apple.stop(), rc.stop(), or.stop()]);
    },
  };
}

const jwtSecrets = new Map<string, string>();
/** One JWT secret per test process, so several API servers share sessions (like replicas). */
export function secretFor(name: string): string {
  if (!jwtSecrets.has(name)) jwtSecrets.set(name, randomBytes(32).toString("base64url"));
  return jwtSecrets.get(name)!;
}

export async function startTestApi(env: Env, database: DatabaseHandle): Promise<Api> {
  const dataDir = mkdtempSync(join(tmpdir(), "clawbox-api-test-"));
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", CLAWBOX_DATA_DIR: dataDir, MIGRATE_ON_START: "false", ...env });
  const logs: string[] = [];
  const api = await startApi(config, {
    database,
    logLevel: "trace",
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  return {
    ...api,
    logs,
    async close() {
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Small JSON HTTP client for the tests. */
export function client(baseUrl: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; text: string; headers: Headers }> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.headers ?? {}),
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, text, headers: res.headers };
  };
}
