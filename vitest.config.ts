import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Integration setups (test cluster, PostgreSQL, ...) live in test/setup/*.global.ts; each
// starts one shared real dependency for the whole run and stops it at the end.
const globalSetups = readdirSync(new URL("./test/setup", import.meta.url))
  .filter((f) => f.endsWith(".global.ts"))
  .map((f) => `test/setup/${f}`);

const exclude = ["**/node_modules/**", "**/dist/**", "**/.data/**"];

/**
 * Real pods on the test cluster's real node (test/cluster/real-node): needs root, builds the node's
 * binaries and the gateway image on first use (cached by content hash in ~/.cache/clawbox). Only
 * with CLAWBOX_REAL_NODE=1 (`npm run test:real`, the last step of `npm test`, run on its own so it never
 * shares the 2 cores with the integration project; test/cluster/README.md).
 */
const realNodeProject = {
  extends: true,
  test: {
    name: "real",
    include: ["**/*.real.test.ts"],
    exclude,
    globalSetup: ["test/setup/cluster.global.ts"],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 3_600_000,
  },
};

export default defineConfig({
  test: {
    env: { NODE_ENV: "test" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...exclude, "**/*.int.test.ts", "**/*.e2e.test.ts", "**/*.real.test.ts"],
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
      ...(process.env.CLAWBOX_REAL_NODE === "1" ? [realNodeProject] : []),
    ],
  },
});
