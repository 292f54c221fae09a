import { describe, expect, it } from "vitest";
import { safeEqual, signVncTicket, verifyVncTicket } from "./vnc-ticket.ts";

describe("vnc tickets", () => {
  it("accepts a fresh ticket for its own user only", () => {
    const t = signVncTicket("k1", "alice", 60);
    expect(verifyVncTicket("k1", t, "alice")).toBe(true);
    expect(verifyVncTicket("k1", t, "bob")).toBe(false);
    expect(verifyVncTicket("k2", t, "alice")).toBe(false);
  });
  it("refuses an expired or tampered ticket", () => {
    const t = signVncTicket("k1", "alice", 60, Date.now() - 120_000);
    expect(verifyVncTicket("k1", t, "alice")).toBe(false);
    const fresh = signVncTicket("k1", "alice", 60);
    expect(verifyVncTicket("k1", fresh.slice(0, -2) + "xx", "alice")).toBe(false);
  });
  it("compares secrets of different lengths", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});
