import { defineConfig } from "vitest/config";

// The security suite alone (it starts its own platform; no test cluster, no PostgreSQL):
//   npx vitest run -c test/security/vitest.config.ts                         (all of it)
//   npx vitest run -c test/security/vitest.config.ts schemathesis            (schemathesis only)
// `npm test` runs the same files in the integration project.
export default defineConfig({
  root: new URL("../..", import.meta.url).pathname,
  test: {
    env: { NODE_ENV: "test" },
    include: ["test/security/**/*.{int,e2e}.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 900_000,
  },
});
