import { Type, type Static } from "@sinclair/typebox";

/**
 * Chat with the assistant. `POST .../chat {message}` answers `text/event-stream`:
 *   event: delta  data: {"text": "<new text>"}      as the reply arrives
 *   event: done   data: {"text": "<whole reply>"}   once
 *   event: error  data: {"error": "<message>", "code": ChatErrorCode}
 *   event: status data: {"phase": "waking" | "awake"}      before the reply, when the assistant
 *                 was asleep: "waking" at once and then every few seconds until it runs, "awake" once
 * `GET .../chat/history` -> {messages: [{role, text, at}]}. The same shapes on the Manager
 * (`/api/instances/:userId/chat`) and the App API (`/instances/:id/chat`).
 */
export const ChatSendSchema = Type.Object(
  { message: Type.String({ minLength: 1, maxLength: 16_000, description: "What the user says to the assistant" }) },
  { additionalProperties: false, $id: "ChatSend" },
);
export type ChatSend = Static<typeof ChatSendSchema>;

export const ChatMessageSchema = Type.Object(
  {
    role: Type.Unsafe<"user" | "assistant">({ type: "string", enum: ["user", "assistant"] }),
    text: Type.String(),
    at: Type.String({ description: "ISO time" }),
  },
  { additionalProperties: false },
);
export type ChatMessage = Static<typeof ChatMessageSchema>;

export const ChatHistorySchema = Type.Object(
  { messages: Type.Array(ChatMessageSchema) },
  { additionalProperties: false, $id: "ChatHistory" },
);
export type ChatHistory = { messages: ChatMessage[] };

/** Why a reply did not come, in words the app turns into something a person understands. */
export const CHAT_ERROR_CODES = [
  "model_not_configured",
  "model_auth_failed",
  "model_out_of_credits",
  "model_unavailable",
  "instance_not_running",
  "chat_failed",
] as const;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

export type ChatStreamEvent =
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: { text: string } }
  | { event: "error"; data: { error: string; code: ChatErrorCode } }
  | { event: "status"; data: { phase: ChatStatusPhase } };

/** Progress of a chat with a sleeping assistant: it is being woken, then it is up. */
export type ChatStatusPhase = "waking" | "awake";

// The wire format lives in sse.ts, which imports only types, so the web app can use the parser
// without bundling TypeBox.
export { formatSse, SseParser } from "./sse.ts";
