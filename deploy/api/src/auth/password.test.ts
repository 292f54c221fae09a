import { describe, expect, it } from "vitest";
import { hashPassword, PASSWORD_HASH_PARAMS, verifyPassword } from "./password.ts";

describe("argon2id password hashing", () => {
  it("uses at least OWASP's minimum (m=19 MiB, t=2, p=1) and stores the parameters", async () => {
    expect(PASSWORD_HASH_PARAMS.memoryKiB).toBeGreaterThanOrEqual(19_456);
    expect(PASSWORD_HASH_PARAMS.passes).toBeGreaterThanOrEqual(2);
    const h = await hashPassword("correct horse");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword("correct horse", h)).toBe(true);
    expect(await verifyPassword("correct horsf", h)).toBe(false);
    expect(await hashPassword("correct horse")).not.toBe(h); // salted
  });
  it("refuses malformed stored hashes", async () => {
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "$scrypt$whatever")).toBe(false);
  });
});
