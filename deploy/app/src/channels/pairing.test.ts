import { describe, expect, it } from "vitest";
import { pairingSender } from "./pairing.ts";

describe("pairingSender", () => {
  it("prefers the sender's name, then the Manager's senderLabel", () => {
    expect(pairingSender({ code: "ABCD1234", senderName: "Ada Lovelace", senderLabel: "@ada" })).toBe("Ada Lovelace");
    expect(pairingSender({ code: "ABCD1234", senderName: null, senderLabel: "@ada" })).toBe("@ada");
    expect(pairingSender({ code: "ABCD1234", senderLabel: "@ada" })).toBe("@ada");
  });

  it("is null when the Manager knows neither", () => {
    expect(pairingSender({ code: "ABCD1234", senderLabel: null })).toBeNull();
    expect(pairingSender({ code: "ABCD1234", senderName: " ", senderLabel: "" })).toBeNull();
  });
});
