import { Type, type Static } from "@sinclair/typebox";
import { TELEGRAM_BOT_TOKEN_MAX_LENGTH, TELEGRAM_BOT_TOKEN_SOURCE } from "./telegram-token.ts";

export const TelegramSetupSchema = Type.Object(
  {
    botToken: Type.String({
      pattern: TELEGRAM_BOT_TOKEN_SOURCE,
      maxLength: TELEGRAM_BOT_TOKEN_MAX_LENGTH,
      writeOnly: true,
      description: "From BotFather (<5-12 digit bot id>:<30+ characters>); never echoed back",
      examples: ["123456789:AAFakeTokenForDocsOnly_abcdefghijkl"],
    }),
  },
  { additionalProperties: false, $id: "TelegramSetup" },
);
export type TelegramSetup = Static<typeof TelegramSetupSchema>;

const nullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * A pending DM pairing request (someone wrote to the bot; the owner approves them). `code` is
 * the gateway's opaque request id, which approve takes; the owner picks a request by its sender.
 */
export const PairingRequestSchema = Type.Object({
  code: Type.String(),
  senderId: nullableString,
  senderName: Type.Union([Type.String({ description: 'The sender\'s display name ("Alice Liddell", else "@alice")' }), Type.Null()]),
  senderLabel: Type.Union([Type.String({ description: 'Name and handle, e.g. "Alice Liddell (@alice)"; the bare id when the channel gave neither' }), Type.Null()]),
  createdAt: nullableString,
  expiresAt: nullableString,
  accountId: Type.String(),
});
export type PairingRequest = Static<typeof PairingRequestSchema>;

export const PairingListSchema = Type.Object(
  // channel is optional in the request: null when the list covers every channel.
  { channel: nullableString, requests: Type.Array(PairingRequestSchema) },
  { $id: "PairingList" },
);
export type PairingList = Static<typeof PairingListSchema>;
