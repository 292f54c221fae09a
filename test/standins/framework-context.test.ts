import { describe, expect, it } from "vitest";
import { usersOwnWords } from "./framework-context.ts";

describe("usersOwnWords", () => {
  it("keeps a plain message as it is", () => {
    expect(usersOwnWords("  hello there\n\nsecond paragraph ")).toBe("hello there\n\nsecond paragraph");
  });

  it("drops OpenClaw's timestamp envelope, inbound context block and relocated runtime line", () => {
    const text = [
      "[Mon 2026-11-30 04:36 UTC] Conversation info: ⟦openclaw:ctx⟧",
      "```json",
      '{"sender":{"id":"5550123","name":"Alice Liddell"}}',
      "```",
      "",
      "What colour is the White Rabbit's waistcoat?",
      "",
      "Runtime: agent=main | session=agent:main:main | channel=telegram",
    ].join("\n");
    expect(usersOwnWords(text)).toBe("What colour is the White Rabbit's waistcoat?");
  });

  it("drops an internal runtime-context block and unfenced context headers", () => {
    expect(usersOwnWords("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nConversation data\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>")).toBe("");
    expect(usersOwnWords("Chat history ⟦openclaw:ctx⟧\n#1 Bob: hi\n#2 Bob: there\n\nand now this")).toBe("and now this");
  });
});
