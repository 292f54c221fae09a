import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./key-cipher.ts";

describe("OpenRouter key encryption at rest (AES-256-GCM)", () => {
  const key = randomBytes(32);
  const secret = "sk-or-v1-" + "ab".repeat(32);

  it("round-trips and never contains the plaintext", () => {
    const sealed = encryptSecret(key, secret, "user-1");
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toBe(encryptSecret(key, secret, "user-1")); // random IV
    expect(decryptSecret(key, sealed, "user-1")).toBe(secret);
  });

  it("refuses another user's row, another key and a tampered ciphertext", () => {
    const sealed = encryptSecret(key, secret, "user-1");
    expect(() => decryptSecret(key, sealed, "user-2")).toThrow();
    expect(() => decryptSecret(randomBytes(32), sealed, "user-1")).toThrow();
    const [iv, tag, ct] = sealed.split(".");
    const flipped = Buffer.from(ct!, "base64url");
    flipped[0]! ^= 1;
    expect(() => decryptSecret(key, `${iv}.${tag}.${flipped.toString("base64url")}`, "user-1")).toThrow();
  });
});
