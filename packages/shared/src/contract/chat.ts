import { Type, type Static } from "@sinclair/typebox";

/**
 * Chat with the assistant. `POST .../chat {message}` answers `text/event-stream`:
 *   event: delta  data: {"text": "<new text>"}      as the reply arrives
 *   event: done   data: {"text": "<whole reply>"}   once
 *   event: error  data: {"error": "<message>", "code": ChatErrorCode}
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
  | { event: "status"; data: { phase: string } };

/** One server-sent event, as written on the wire. */
export function formatSse(e: ChatStreamEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Parses a text/event-stream body incrementally: feed chunks, get complete events. */
export class SseParser {
  private buf = "";
  feed(chunk: string): ChatStreamEvent[] {
    this.buf += chunk;
    const out: ChatStreamEvent[] = [];
    for (let i = this.buf.indexOf("\n\n"); i >= 0; i = this.buf.indexOf("\n\n")) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      try {
        out.push({ event, data: JSON.parse(data.join("\n")) } as ChatStreamEvent);
      } catch {
        // not ours: ignore
      }
    }
    return out;
  }
}
