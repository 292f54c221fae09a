import { loadConfig } from "../config.ts";
import { openDatabase } from "./database.ts";

/**
 * `npm run migrate`: applies the committed migrations in deploy/api/drizzle/ to DATABASE_URL,
 * or to the embedded PGlite data dir when DATABASE_URL is unset. Safe to run repeatedly
 * (drizzle records applied migrations in drizzle.__drizzle_migrations). Run it with the API
 * stopped when using PGlite: PGlite is single-process.
 */
const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
// Several pods may start at once (each runs this as its initContainer): on PostgreSQL one takes
// an advisory lock and migrates, the others wait, then find nothing left to apply.
let unlock = async () => {};
if (config.databaseUrl) {
  const { default: pg } = await import("pg");
  const lockClient = new pg.Client({ connectionString: config.databaseUrl });
  await lockClient.connect();
  await lockClient.query("SELECT pg_advisory_lock(4242000001)");
  unlock = async () => {
    await lockClient.query("SELECT pg_advisory_unlock(4242000001)").catch(() => undefined);
    await lockClient.end();
  };
}
try {
  await handle.migrate();
  console.log(
    JSON.stringify({ ok: true, database: handle.kind, target: handle.kind === "pglite" ? config.pgliteDir : "DATABASE_URL" }),
  );
} finally {
  await unlock();
  await handle.close();
}
