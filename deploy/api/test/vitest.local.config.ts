import { defineConfig } from "vitest/config";

// Runs only the App API e2e files with only the PostgreSQL globalSetup (for working on the
// App API when the test cluster is unavailable): npx vitest run -c deploy/api/test/vitest.local.config.ts
export default defineConfig({
  root: new URL("../../..", import.meta.url).pathname,
  test: {
    env: { NODE_ENV: "test" },
    include: ["deploy/api/test/**/*.e2e.test.ts"],
    globalSetup: ["test/setup/postgres.global.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
