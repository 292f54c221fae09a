import { Type, type Static } from "@sinclair/typebox";

/**
 * The gateway routes: bodies, queries and answers of `.../rpc`, `.../whatsapp/*`, `.../telegram/*`
 * and `.../pairing/*`, the same on the Manager (`/api/instances/:userId/...`, Fastify validates
 * and serializes with them) and the App API (`/instances/:id/...`, `ContractPipe`). The App API
 * may narrow a value further (its RPC allowlist and timeout cap) but never widens one.
 */

export const CHANNEL_ID_PATTERN = "^[a-z][a-z0-9-]{0,31}$";
export const ACCOUNT_ID_PATTERN = "^[A-Za-z0-9._-]{1,64}$";
export const PAIRING_CODE_PATTERN = "^[A-Za-z0-9_-]{4,64}$";
export const RPC_METHOD_PATTERN = "^[A-Za-z][A-Za-z0-9._-]{0,127}$";
/** The longest RPC the Manager waits for (a caller may ask for less). */
export const RPC_TIMEOUT_MAX_MS = 15 * 60_000;

const channelId = Type.String({ pattern: CHANNEL_ID_PATTERN, description: "A channel id such as telegram or whatsapp", examples: ["telegram"] });
const accountId = Type.String({ pattern: ACCOUNT_ID_PATTERN, description: "1-64 characters of A-Z a-z 0-9 . _ -" });

export const RpcCallSchema = Type.Object(
  {
    method: Type.String({ pattern: RPC_METHOD_PATTERN, description: "A gateway RPC method, e.g. status", examples: ["status"] }),
    params: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The method's params" })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: RPC_TIMEOUT_MAX_MS })),
  },
  { additionalProperties: false, $id: "RpcCall" },
);
export type RpcCall = Static<typeof RpcCallSchema>;

export const WhatsappQrSchema = Type.Object(
  {
    force: Type.Optional(Type.Boolean({ description: "A new QR even when one is pending or the account is linked" })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 5000, maximum: 600_000, description: "How long the login may take to start (default 30 s)" })),
  },
  { additionalProperties: false, $id: "WhatsappQr" },
);
export type WhatsappQr = Static<typeof WhatsappQrSchema>;

export const WhatsappQrResultSchema = Type.Object(
  {
    qrDataUrl: Type.Union([Type.String({ description: "data:image/png;base64,..." }), Type.Null()]),
    message: Type.String(),
    connected: Type.Optional(Type.Boolean()),
  },
  { $id: "WhatsappQrResult" },
);
export type WhatsappQrResult = Static<typeof WhatsappQrResultSchema>;

export const WhatsappWaitSchema = Type.Object(
  { timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000, description: "How long to wait for the scan (default 120 s)" })) },
  { additionalProperties: false, $id: "WhatsappWait" },
);
export type WhatsappWait = Static<typeof WhatsappWaitSchema>;

export const WhatsappWaitResultSchema = Type.Object(
  { connected: Type.Boolean(), message: Type.String(), qrDataUrl: Type.Optional(Type.String()) },
  { $id: "WhatsappWaitResult" },
);
export type WhatsappWaitResult = Static<typeof WhatsappWaitResultSchema>;

const account = Type.Object({
  accountId: Type.String(),
  enabled: Type.Optional(Type.Boolean()),
  configured: Type.Optional(Type.Boolean()),
  running: Type.Optional(Type.Boolean()),
  connected: Type.Optional(Type.Boolean()),
  linked: Type.Optional(Type.Boolean()),
  lastError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  state: Type.Optional(Type.String()),
});

/** One channel's status, summarized from the gateway's channels.status (Telegram, WhatsApp). */
export const ChannelStatusSchema = Type.Object(
  {
    channel: Type.String(),
    available: Type.Boolean({ description: "The gateway knows this channel (plugin loaded / bundled)" }),
    configured: Type.Boolean(),
    running: Type.Boolean(),
    connected: Type.Boolean(),
    linked: Type.Optional(Type.Boolean()),
    state: Type.Optional(Type.String()),
    lastError: Type.Union([Type.String(), Type.Null()]),
    accounts: Type.Array(account),
    issues: Type.Array(Type.String()),
    probe: Type.Optional(Type.Unknown({ description: "The gateway's probe result (?probe=true)" })),
  },
  { $id: "ChannelStatus" },
);
export type ChannelStatus = Static<typeof ChannelStatusSchema>;

export const TelegramStatusQuerySchema = Type.Object(
  { probe: Type.Optional(Type.Unsafe<"true" | "false">({ type: "string", enum: ["true", "false"], description: "Also ask Telegram whether the token works" })) },
  { additionalProperties: false },
);
export type TelegramStatusQuery = Static<typeof TelegramStatusQuerySchema>;

export const TelegramSetupResultSchema = Type.Object(
  {
    ok: Type.Boolean(),
    channel: Type.Literal("telegram"),
    configured: Type.Boolean(),
    changedPaths: Type.Array(Type.String()),
    message: Type.String(),
  },
  { $id: "TelegramSetupResult" },
);
export type TelegramSetupResult = Static<typeof TelegramSetupResultSchema>;

export const TelegramLogoutResultSchema = Type.Object(
  {
    ok: Type.Boolean(),
    channel: Type.Literal("telegram"),
    cleared: Type.Optional(Type.Boolean()),
    configured: Type.Union([Type.Boolean(), Type.Null()], { description: "The last status seen; null when the gateway was too busy to say" }),
  },
  { additionalProperties: true, $id: "TelegramLogoutResult" },
);
export type TelegramLogoutResult = Static<typeof TelegramLogoutResultSchema>;

export const PairingListQuerySchema = Type.Object(
  { channel: Type.Optional(channelId), accountId: Type.Optional(accountId) },
  { additionalProperties: false },
);
export type PairingListQuery = Static<typeof PairingListQuerySchema>;

export const PairingApproveSchema = Type.Object(
  {
    channel: channelId,
    code: Type.String({ pattern: PAIRING_CODE_PATTERN, description: "The code of a pending request from pairing/list" }),
    notify: Type.Optional(Type.Boolean({ description: "Tell the sender they were approved" })),
    accountId: Type.Optional(accountId),
  },
  { additionalProperties: false, $id: "PairingApprove" },
);
export type PairingApprove = Static<typeof PairingApproveSchema>;

export const PairingApproveResultSchema = Type.Object(
  {
    approved: Type.Boolean(),
    channel: Type.String(),
    code: Type.String(),
    accountId: Type.String(),
    senderId: Type.Union([Type.String(), Type.Null()]),
    notified: Type.Boolean(),
  },
  { $id: "PairingApproveResult" },
);
export type PairingApproveResult = Static<typeof PairingApproveResultSchema>;
