import { describe, expect, it } from "vitest";
import { safeEqual, signVncTicket, TicketLedger, verifyVncTicket } from "./vnc-ticket.ts";

const bind = { userId: "u-alice", instanceId: "11111111-1111-4111-8111-111111111111", subject: "22222222-2222-4222-8222-222222222222" };

describe("VNC tickets", () => {
  it("verify only for the user, instance and subject they were issued for, with the right key", () => {
    const t = signVncTicket("k1", bind, 60);
    expect(verifyVncTicket("k1", t, bind)?.userId).toBe("u-alice");
    expect(verifyVncTicket("k1", t, { userId: "u-alice" })).not.toBeNull();
    expect(verifyVncTicket("k1", t, { ...bind, userId: "u-bob" })).toBeNull();
    expect(verifyVncTicket("k1", t, { ...bind, instanceId: "33333333-3333-4333-8333-333333333333" })).toBeNull();
    expect(verifyVncTicket("k1", t, { ...bind, subject: "44444444-4444-4444-8444-444444444444" })).toBeNull();
    expect(verifyVncTicket("k2", t, bind)).toBeNull();
  });
  it("refuse expired, tampered and non-string tickets", () => {
    expect(verifyVncTicket("k1", signVncTicket("k1", bind, 60, Date.now() - 120_000), bind)).toBeNull();
    const fresh = signVncTicket("k1", bind, 60);
    expect(verifyVncTicket("k1", fresh.slice(0, -2) + "xx", bind)).toBeNull();
    expect(verifyVncTicket("k1", [fresh, fresh], bind)).toBeNull();
  });
  it("are single use per ledger", () => {
    const ledger = new TicketLedger();
    const claims = verifyVncTicket("k1", signVncTicket("k1", bind, 60), bind)!;
    expect(ledger.consume(claims)).toBe(true);
    expect(ledger.consume(claims)).toBe(false);
    expect(new TicketLedger().consume(claims)).toBe(true);
  });
  it("safeEqual compares any lengths and refuses non-strings", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual(["a", "b"], "a")).toBe(false);
  });
});
