import { describe, expect, it } from "vitest";
import { GatewayError, HttpError, notFound, unavailable } from "@clawbox/shared";
import { retryableAfterRestart } from "./restart-wait.ts";

describe("which failed gateway calls wait for a restart and are sent again", () => {
  it("waits while the instance is (re)starting: nothing was sent", () => {
    expect(retryableAfterRestart(unavailable("not running yet", { phase: "starting" }), "config.patch", {})).toBe(true);
  });

  it("does not wait for an instance in error, a missing one, or a gateway's own answer", () => {
    expect(retryableAfterRestart(unavailable("in error", { phase: "error" }), "status", {})).toBe(false);
    expect(retryableAfterRestart(notFound("no such instance"), "status", {})).toBe(false);
    expect(retryableAfterRestart(new GatewayError("gateway", { code: "INVALID_REQUEST", message: "bad" }), "status", {})).toBe(false);
    expect(retryableAfterRestart(GatewayError.timeout("slow"), "status", {})).toBe(false);
    expect(retryableAfterRestart(new HttpError(502, "x"), "status", {})).toBe(false);
  });

  it("sends again what the gateway refused during its restart, writes included", () => {
    const refused = GatewayError.fromShape({
      code: "UNAVAILABLE",
      message: "config.get unavailable during gateway restart",
      details: { method: "config.get", reason: "gateway-restarting" },
    });
    expect(retryableAfterRestart(refused, "config.patch", { raw: "{}" })).toBe(true);
    expect(retryableAfterRestart(GatewayError.unavailable("agent of u unreachable"), "channels.logout", {})).toBe(true);
  });

  it("after a connection closed mid-call, sends again only reads, calls with an idempotency key and compare-and-set writes", () => {
    const closed = GatewayError.unavailable("connection closed (1006)", { closeCode: 1006 });
    expect(retryableAfterRestart(closed, "channels.status", {})).toBe(true);
    expect(retryableAfterRestart(closed, "chat.send", { message: "hi", idempotencyKey: "run-1" })).toBe(true);
    // A write that applied and then restarted the gateway fails on its stale hash when resent.
    expect(retryableAfterRestart(closed, "config.patch", { raw: "{}", baseHash: "h1" })).toBe(true);
    expect(retryableAfterRestart(closed, "config.patch", { raw: "{}" })).toBe(false);
    expect(retryableAfterRestart(closed, "channels.logout", { channel: "telegram" })).toBe(false);
  });
});
