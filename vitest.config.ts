import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Integration setups (test cluster, PostgreSQL, ...) live in test/setup/*.global.ts; each
// starts one shared real dependency for the whole run and stops it at the end.
const globalSetups = readdirSync(new URL("./test/setup", import.meta.url))
  .filter((f) => f.endsWith(".global.ts"))
  .map((f) => `test/setup/${f}`);

const exclude = ["**/node_modules/**", "**/dist/**", "**/.data/**"];

export default defineConfig({
  test: {
    env: { NODE_ENV: "test" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...exclude, "**/*.int.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.int.test.ts", "**/*.e2e.test.ts"],
          exclude,
          globalSetup: globalSetups,
          // Real gateways, a real API server and a real browser share 2 cores: one file at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
