import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { client, startTestApi, startStandins } from "./harness.ts";
import { openDatabase } from "../src/db/database.ts";

const API_DIR = join(import.meta.dirname, "..");
/** Every committed migration (drizzle's journal), so a new migration does not make this test stale. */
const MIGRATIONS = (JSON.parse(readFileSync(join(API_DIR, "drizzle", "meta", "_journal.json"), "utf8")) as { entries: unknown[] }).entries.length;

/** `npm run migrate` in deploy/api, exactly as DEPLOY.md says, with the given env. */
function npmRunMigrate(env: Record<string, string>): unknown {
  const out = execFileSync("npm", ["run", "--silent", "migrate"], {
    cwd: API_DIR,
    env: { ...process.env, DATABASE_URL: "", NODE_ENV: "development", ...env },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

describe("npm run migrate", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("applies the committed migrations to PostgreSQL, twice without change, and the API then serves", async () => {
    const server = inject("databaseUrl");
    const name = `migrate_${randomUUID().replace(/-/g, "")}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = server.replace(/\/[^/]*$/, `/${name}`);
    cleanup.push(async () => {
      // The API's pool may still be closing its sessions: wait for them instead of killing them
      // (FORCE terminates them, and a pool client that sees 57P01 while ending raises an unhandled error).
      for (let i = 0; ; i++) {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name}${i >= 50 ? " WITH (FORCE)" : ""}`);
          break;
        } catch (e) {
          if (i >= 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await admin.end();
    });

    expect(npmRunMigrate({ DATABASE_URL: url })).toEqual({ ok: true, database: "postgres", target: "DATABASE_URL" });
    expect(npmRunMigrate({ DATABASE_URL: url })).toEqual({ ok: true, database: "postgres", target: "DATABASE_URL" });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const tables = (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename);
    const applied = (await c.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations")).rows[0].n;
    await c.end();
    expect(tables).toEqual(["instances", "model_settings", "openrouter_keys", "refresh_tokens", "subscriptions", "users"]);
    expect(applied).toBe(MIGRATIONS);

    // The API on the migrated database, without migrating itself.
    const handle = await openDatabase({ databaseUrl: url, pgliteDir: "unused" });
    // Sign-up never reaches the Manager: an address where none listens.
    const s = await startStandins("mgr-key-for-migrate-test", "http://127.0.0.1:9");
    const api = await startTestApi(s.env({ REVENUECAT_API_KEY: undefined, OPENROUTER_MANAGEMENT_KEY: undefined }), handle);
    cleanup.push(() => handle.close(), () => s.stop(), () => api.close());
    const r = await client(api.url)("POST", "/auth/signup", { body: { email: "m@example.com", password: "long enough pw" } });
    expect(r.status).toBe(201);
  });

  it("applies them to an embedded PGlite data dir when DATABASE_URL is unset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "clawbox-migrate-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const pgliteDir = join(dir, "api-db");
    expect(npmRunMigrate({ CLAWBOX_DATA_DIR: dir })).toEqual({ ok: true, database: "pglite", target: pgliteDir });
    expect(npmRunMigrate({ CLAWBOX_DATA_DIR: dir })).toMatchObject({ ok: true, database: "pglite" });
    const handle = await openDatabase({ pgliteDir });
    cleanup.push(() => handle.close());
    const rows = await handle.db.execute("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(MIGRATIONS);
  });
});
