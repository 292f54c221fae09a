import { defineConfig } from "drizzle-kit";

// Generates SQL migrations from src/db/schema.ts into ./drizzle (committed). Applying them is
// `npm run migrate` (src/db/migrate.ts), which works on PostgreSQL and PGlite alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
