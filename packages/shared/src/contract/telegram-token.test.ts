import { describe, expect, it } from "vitest";
import { isTelegramBotToken } from "./telegram-token.ts";

describe("Telegram bot token rule (Manager, App API and app alike)", () => {
  it("accepts BotFather tokens like the guide's example", () => {
    expect(isTelegramBotToken("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")).toBe(true);
    expect(isTelegramBotToken("7012345678:AAH_abcdefghijklmnopqrstuvwxyz012345")).toBe(true);
  });
  it("rejects anything else", () => {
    for (const bad of ["", "abc", "123456", "123456:", "1234:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "123456:short", "123456:has space in the secret part", `123456:${"a".repeat(300)}`]) {
      expect(isTelegramBotToken(bad), bad).toBe(false);
    }
  });
});
