import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { ActivityLog, registerActivityHook } from "./activity.ts";

async function app() {
  const log = new ActivityLog();
  const f = Fastify();
  registerActivityHook(f, log);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  f.get("/api/instances/:userId", async () => ({ phase: "running" }));
  f.post("/api/instances/:userId/rpc", async () => ({ ok: true }));
  f.post("/api/instances/:userId/sleep", async () => ({ ok: true }));
  f.put("/api/instances/:userId/sleep-policy", async () => ({ ok: true }));
  f.post("/api/instances/:userId/chat", async () => (await held, { done: true }));
  await f.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(f.server.address() as { port: number }).port}`;
  return { f, log, base, release };
}

describe("the activity hook", () => {
  it("counts requests for an instance's routes, not its status read nor the sleep routes", async () => {
    const { f, log, base } = await app();
    try {
      await fetch(`${base}/api/instances/u1`);
      await fetch(`${base}/api/instances/u1/sleep`, { method: "POST" });
      await fetch(`${base}/api/instances/u1/sleep-policy`, { method: "PUT" });
      expect(log.lastAt("u1")).toBeUndefined();
      await fetch(`${base}/api/instances/u1/rpc`, { method: "POST" });
      expect(log.lastAt("u1")).toBeGreaterThan(0);
      expect(log.lastAt("u2")).toBeUndefined();
    } finally {
      await f.close();
    }
  });

  it("an open request (a chat stream) is activity until it ends", async () => {
    const { f, log, base, release } = await app();
    try {
      const pending = fetch(`${base}/api/instances/u1/chat`, { method: "POST" });
      for (let i = 0; i < 100 && log.lastAt("u1") === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      const later = Date.now() + 3_600_000;
      expect(log.lastAt("u1", later)).toBe(later);
      release();
      await (await pending).text();
      for (let i = 0; i < 100 && log.lastAt("u1", later) === later; i++) await new Promise((r) => setTimeout(r, 10));
      expect(log.lastAt("u1", later)).toBeLessThan(later);
    } finally {
      await f.close();
    }
  });
});
