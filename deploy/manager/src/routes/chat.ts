import type { ChatSend, ChatStreamEvent } from "@clawbox/shared";
import { formatSse } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import type { AgentPool } from "../gateway/agent-pool.ts";
import { chatHistory, streamChat } from "../gateway/chat.ts";
import type { InstanceGateway } from "../gateway/instance-gateway.ts";

/**
 * POST /api/instances/:userId/chat {message} -> text/event-stream (delta*, then done | error)
 * GET  /api/instances/:userId/chat/history   -> {messages: [{role, text, at}]}
 * A failure once the stream has started is an `error` event (the status line is already sent);
 * bad input before that is the usual 400.
 */
export function registerChatRoutes(app: FastifyInstance, gw: InstanceGateway, pool: AgentPool): void {
  const tags = ["chat"];
  app.post<{ Params: { userId: string }; Body: ChatSend }>(
    "/api/instances/:userId/chat",
    {
      schema: {
        tags,
        summary: "Send the assistant a message; its reply streams back as server-sent events",
        body: { $ref: "ChatSend#" },
        response: {
          200: {
            description: "event: status {phase: waking|awake} while a sleeping assistant wakes, event: delta {text} ... then event: done {text} or event: error {error, code}",
            // OpenAPI describes an event stream by the shape of one event.
            content: {
              "text/event-stream": {
                schema: {
                  type: "object",
                  required: ["event", "data"],
                  properties: { event: { type: "string", enum: ["status", "delta", "done", "error"] }, data: { type: "string", description: "JSON" } },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const userId = req.params.userId;
      // Unknown or stopped instance: a plain 404/503 in the one error shape, before the stream's 200.
      // A sleeping one is woken inside the stream, with status events while it wakes.
      await gw.servable(userId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
      res.flushHeaders();
      const aborted = new AbortController();
      res.on("close", () => aborted.abort());
      const write = (e: ChatStreamEvent) => {
        if (!res.writableEnded) res.write(formatSse(e));
      };
      try {
        await streamChat(gw, pool, userId, req.body.message, write, aborted.signal);
      } catch (e) {
        req.log.warn({ err: (e as Error).message }, "chat stream failed");
        write({ event: "error", data: { error: "The assistant could not reply", code: "chat_failed" } });
      }
      res.end();
    },
  );

  app.get<{ Params: { userId: string } }>(
    "/api/instances/:userId/chat/history",
    {
      schema: {
        tags,
        summary: "The conversation so far (user and assistant messages)",
        response: { 200: { $ref: "ChatHistory#" } },
      },
    },
    async (req) => chatHistory(gw, req.params.userId),
  );
}
