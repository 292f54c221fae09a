import { createLogger } from "@clawbox/shared";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config.ts";
import { ManagerMetrics } from "../../metrics.ts";
import type { KubeClient } from "../../k8s/client.ts";
import { KubernetesRuntime } from "./runtime.ts";

/** A fake API server: lists answer `users` on ConfigMaps; applies and deletes wait on `gate` when set. */
function fakeClient(users: string[], createdAt = "2026-01-01T00:00:00Z") {
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  const client = {
    onRequest: () => undefined,
    close: () => undefined,
    async request(verb: string, method: string, path: string) {
      if (verb === "list") {
        const items = path.includes("/configmaps?") ? users.map((u) => ({ metadata: { name: `${u}-openclaw`, labels: { "openclaw.ai/user": u }, creationTimestamp: createdAt } })) : [];
        return { status: 200, body: { metadata: {}, items } };
      }
      calls.push(`${method} ${path.split("?")[0]}`);
      await gate;
      if (method === "DELETE") return { status: 200, body: { metadata: { resourceVersion: "1" } } };
      return { status: 200, body: {} };
    },
    async apply(path: string, obj: { kind: string; metadata: { name: string; labels: Record<string, string> } }) {
      calls.push(`APPLY ${path}`);
      await gate;
      return { status: 201, body: { ...obj, metadata: { ...obj.metadata, resourceVersion: "2", creationTimestamp: new Date().toISOString() } } };
    },
  };
  return {
    client: client as unknown as KubeClient,
    calls,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

function runtime(client: KubeClient) {
  const config = loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_TOKEN_SECRET: "t", OPENCLAW_RUNTIME: "kubernetes", CLAWBOX_RECONCILE_INTERVAL_MS: "0" });
  return new KubernetesRuntime({ config, logger: createLogger("reconciler-test", { level: "silent" }), metrics: new ManagerMetrics(), client });
}

describe("reconciler", () => {
  it("deletes a user's objects by name (Secrets included, never the PVC) when the user has no Deployment", async () => {
    const f = fakeClient(["orphan"]);
    const pass = await runtime(f.client).reconciler.pass();
    expect(pass.removed).toEqual(["orphan"]);
    expect(f.calls).toContain("DELETE /api/v1/namespaces/openclaw/secrets/orphan-openclaw");
    expect(f.calls).toContain("DELETE /api/v1/namespaces/openclaw/secrets/orphan-openclaw-model");
    expect(f.calls.some((c) => c.includes("persistentvolumeclaims"))).toBe(false);
  });

  it("leaves alone a user whose objects are younger than the grace time (a create on another Manager pod)", async () => {
    const f = fakeClient(["young"], new Date().toISOString());
    const pass = await runtime(f.client).reconciler.pass();
    expect(pass).toEqual({ users: 1, removed: [] });
    expect(f.calls).toEqual([]);
  });

  it("leaves alone a user whose create is in flight", async () => {
    const f = fakeClient(["busy"]);
    const rt = runtime(f.client);
    const release = f.hold();
    const creating = rt.create({ userId: "busy" });
    const pass = await rt.reconciler.pass();
    expect(pass.removed).toEqual([]);
    expect(f.calls.some((c) => c.startsWith("DELETE"))).toBe(false);
    release();
    expect((await creating).created).toBe(true);
  });

  it("makes a create wait until a removal under way is done, so the removal cannot delete the new objects", async () => {
    const f = fakeClient(["late"]);
    const rt = runtime(f.client);
    const release = f.hold();
    const passing = rt.reconciler.pass();
    await new Promise((r) => setTimeout(r, 10));
    const creating = rt.create({ userId: "late" });
    await new Promise((r) => setTimeout(r, 10));
    expect(f.calls.some((c) => c.startsWith("APPLY"))).toBe(false);
    release();
    expect((await passing).removed).toEqual(["late"]);
    await creating;
    const firstApply = f.calls.findIndex((c) => c.startsWith("APPLY"));
    const lastDelete = f.calls.findLastIndex((c) => c.startsWith("DELETE"));
    expect(firstApply).toBeGreaterThan(lastDelete);
  });
});
