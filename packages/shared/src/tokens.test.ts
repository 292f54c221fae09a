import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveInstanceToken } from "./tokens.ts";

describe("deriveInstanceToken", () => {
  it("is HMAC-SHA256(secret, purpose:userId) as base64url, the same on every call", () => {
    const expected = createHmac("sha256", "s3cret").update("gateway:alice").digest("base64url");
    expect(deriveInstanceToken("s3cret", "gateway", "alice")).toBe(expected);
    expect(deriveInstanceToken("s3cret", "gateway", "alice")).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it("differs by purpose, user and secret", () => {
    const base = deriveInstanceToken("s3cret", "gateway", "alice");
    expect(deriveInstanceToken("s3cret", "agent", "alice")).not.toBe(base);
    expect(deriveInstanceToken("s3cret", "gateway", "bob")).not.toBe(base);
    expect(deriveInstanceToken("other", "gateway", "alice")).not.toBe(base);
  });
  it("refuses an empty secret", () => {
    expect(() => deriveInstanceToken("", "agent", "alice")).toThrow(/tokenSecret/);
  });
});
