import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiProduces, ApiTags } from "@nestjs/swagger";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ChatHistory, ChatHistorySchema, type ChatSend, ChatSendSchema, formatSse } from "@clawbox/shared";
import { AuthGuard } from "../auth/auth.guard.ts";
import { ContractPipe, openApiSchema } from "../common/contract.pipe.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { ChatService } from "./chat.service.ts";

/**
 * Chat with the assistant: the reply streams as server-sent events (delta, then done or
 * error), relayed from the Manager as it arrives; the history is the gateway's conversation.
 */
@ApiTags("chat")
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller("instances/:id/chat")
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Post()
  @ApiBody({ schema: openApiSchema(ChatSendSchema) })
  @ApiProduces("text/event-stream")
  @ApiOkResponse({ description: 'event: delta {"text"} as the reply arrives, then event: done {"text"} or event: error {"error","code"}' })
  async send(
    @CurrentUser() user: AuthUser,
    @Param("id") id: string,
    @Body(new ContractPipe(ChatSendSchema)) body: ChatSend,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Ownership and the model are checked before the stream opens, so those are plain 4xx.
    const upstream = await this.chat.open(user.id, id, body.message);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
    res.flushHeaders();
    const aborted = new AbortController();
    req.raw.socket.on("close", () => aborted.abort());
    res.on("close", () => aborted.abort());
    try {
      for await (const chunk of upstream.events(aborted.signal)) res.write(chunk);
    } catch {
      if (!aborted.signal.aborted) res.write(formatSse({ event: "error", data: { error: "The connection to your assistant was lost", code: "chat_failed" } }));
    }
    res.end();
  }

  @Get("history")
  @ApiOkResponse({ schema: openApiSchema(ChatHistorySchema) })
  history(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<ChatHistory> {
    return this.chat.history(user.id, id);
  }
}
