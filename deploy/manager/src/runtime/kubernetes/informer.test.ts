import { createLogger } from "@clawbox/shared";
import { describe, expect, it } from "vitest";
import { KubeApiError, type KubeClient } from "../../k8s/client.ts";
import { Informer } from "./informer.ts";

describe("Informer backoff", () => {
  it("is cut short by stop(): a stop during a 10-minute backoff returns at once", async () => {
    let watches = 0;
    let failedOnce!: () => void;
    const failed = new Promise<void>((r) => (failedOnce = r));
    const client = {
      request: async () => ({ status: 200, body: { metadata: { resourceVersion: "1" }, items: [] } }),
      // eslint-disable-next-line require-yield
      watch: async function* () {
        watches++;
        queueMicrotask(failedOnce);
        throw new KubeApiError("watch", "/x", 500, { message: "boom" });
      },
    } as unknown as KubeClient;
    const informer = new Informer({
      client,
      path: "/api/v1/namespaces/t/pods",
      logger: createLogger("informer-test", { level: "silent" }),
      transform: (o: any) => o,
      onChange: () => undefined,
      backoffMs: { initial: 600_000, max: 600_000 },
    });
    await informer.start();
    await failed;
    // Without the abort this waits 10 minutes and the test times out.
    await informer.stop();
    expect(watches).toBe(1);
  });
});
