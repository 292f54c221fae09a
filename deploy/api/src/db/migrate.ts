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
try {
  await handle.migrate();
  console.log(
    JSON.stringify({ ok: true, database: handle.kind, target: handle.kind === "pglite" ? config.pgliteDir : "DATABASE_URL" }),
  );
} finally {
  await handle.close();
}
