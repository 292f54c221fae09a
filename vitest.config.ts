import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { clusterFiles, gatewayFiles } from "./test/lanes.ts";

// Integration setups (test cluster, PostgreSQL, ...) live in test/setup/*.global.ts; each
// starts one shared real dependency for the whole run and stops it at the end.
const globalSetups = readdirSync(new URL("./test/setup", import.meta.url))
  .filter((f) => f.endsWith(".global.ts"))
  .map((f) => `test/setup/${f}`);

const exclude = ["**/node_modules/**", "**/dist/**", "**/.data/**"];

// Real gateways, a real API server and a real browser share 2 cores: one file at a time per lane.
// A gateway (re)start took up to 5 minutes while the other lane built images: a test's own waits
// say what failed, and the timeout only ends a test that hangs.
const integration = { fileParallelism: false, testTimeout: 300_000, hookTimeout: 600_000 };

/**
 * Real pods on the test cluster's real node (test/cluster/real-node): needs root, builds the node's
 * binaries and the gateway image on first use (cached by content hash in ~/.cache/clawbox). Only
 * with CLAWBOX_REAL_NODE=1 (`npm run test:real`; in `npm test`, the cluster lane's step after the "cluster" project, after the
 * kwok cluster of the "cluster" project is gone, beside the gateways lane; test/cluster/README.md).
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
          // The unit project runs beside the gateway lane (scripts/test-lanes.ts), whose gateway
          // starts keep both cores busy: vitest's 5 s default fails a test only because it waited.
          testTimeout: 20_000,
          hookTimeout: 60_000,
          exclude: [...exclude, "**/*.int.test.ts", "**/*.e2e.test.ts", "**/*.real.test.ts"],
        },
      },
      { extends: true, test: { name: "cluster", include: clusterFiles, exclude, globalSetup: globalSetups, ...integration } },
      { extends: true, test: { name: "gateways", include: gatewayFiles, exclude, ...integration } },
      ...(process.env.CLAWBOX_REAL_NODE === "1" ? [realNodeProject] : []),
    ],
  },
});
