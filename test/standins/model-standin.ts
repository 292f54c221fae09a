import type { ServerResponse } from "node:http";
import { usersOwnWords } from "./framework-context.ts";
import { sendJson, startHttp } from "./http-standin.ts";

/**
 * STAND-IN for an OpenAI-compatible model server (OpenRouter, vLLM, LiteLLM, Ollama's /v1 ...),
 * per the public Chat Completions contract: `GET /v1/models` -> {object:"list", data:[{id,...}]},
 * `POST /v1/chat/completions` {model, messages, stream?} -> a `chat.completion` object, or with
 * `stream: true` server-sent `chat.completion.chunk` events ending in `data: [DONE]`. The same
 * routes answer under `/api/v1` (OpenRouter's base path). Every call needs
 * `Authorization: Bearer <key>` with a key from `keys` (401 otherwise, as providers answer a bad
 * key); a key listed in `brokeKeys` gets 402 (out of credits). Replies are deterministic:
 * `replyPrefix` + the user's words in the last user message (without the agent framework's
 * context, see framework-context.ts), streamed word by word. Calls are recorded so a test can
 * check which key and which messages reached the provider.
 */
export interface ModelCall {
  path: string;
  authorization: string | undefined;
  model?: string;
  stream: boolean;
  lastUserMessage?: string;
  /** The text the stand-in answered with. */
  reply?: string;
}

export interface ModelStandinOptions {
  keys: string[];
  brokeKeys?: string[];
  models?: string[];
  replyPrefix?: string;
  /** Pause between streamed chunks, so a reader can see the reply arrive in parts. */
  chunkDelayMs?: number;
}

export const STANDIN_REPLY_PREFIX = "Stand-in model reply to: ";

export async function start(opts: ModelStandinOptions) {
  const calls: ModelCall[] = [];
  const models = opts.models ?? ["standin/echo-1"];
  const prefix = opts.replyPrefix ?? STANDIN_REPLY_PREFIX;

  const http = await startHttp(async (req, body, res, url) => {
    const path = url.pathname.replace(/^\/api(?=\/v1\/)/, "").replace(/\/$/, "");
    const authorization = req.headers.authorization;
    const key = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    const call: ModelCall = { path, authorization, stream: false };
    calls.push(call);
    if (!key || !opts.keys.includes(key)) {
      return sendJson(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
    }
    if (opts.brokeKeys?.includes(key)) {
      return sendJson(res, 402, { error: { message: "Insufficient credits", type: "insufficient_quota", code: 402 } });
    }
    if (req.method === "GET" && path === "/v1/models") {
      return sendJson(res, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "standin" })) });
    }
    if (req.method === "POST" && path === "/v1/chat/completions") {
      const b = (body ?? {}) as { model?: string; stream?: boolean; messages?: Array<{ role?: string; content?: unknown }> };
      call.model = b.model;
      call.stream = b.stream === true;
      call.lastUserMessage = lastUserText(b.messages ?? []);
      const reply = `${prefix}${call.lastUserMessage ?? ""}`;
      call.reply = reply;
      if (call.stream) return streamReply(res, b.model ?? models[0]!, reply, opts.chunkDelayMs ?? 20);
      return sendJson(res, 200, {
        id: `chatcmpl-${calls.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: b.model,
        choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        usage: usage(reply),
      });
    }
    sendJson(res, 404, { error: { message: `Unknown route ${req.method} ${url.pathname}`, type: "invalid_request_error" } });
  });

  return {
    url: http.url,
    /** Base URL as an OpenAI-compatible provider setting expects it (…/v1). */
    baseUrl: `${http.url}/v1`,
    calls,
    /** Chat calls only (the model's answers), in order. */
    chats: () => calls.filter((c) => c.path === "/v1/chat/completions"),
    stop: http.stop,
  };
}

/**
 * What the person last said: the text of the last user turn, without the context an agent
 * runtime adds to user turns (framework-context.ts). Content may be a string or a list of parts.
 */
function lastUserText(messages: Array<{ role?: string; content?: unknown }>): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "user") continue;
    // Each text part on its own: a framework may add its context as a separate part.
    const parts = typeof m.content === "string" ? [m.content] : Array.isArray(m.content) ? m.content.map((p) => (p && typeof p === "object" && "text" in p && typeof p.text === "string" ? p.text : "")) : [];
    const own = parts.map(usersOwnWords).filter(Boolean).join("\n");
    if (own) return own;
  }
  return undefined;
}

function usage(reply: string) {
  const completion = reply.split(/\s+/).length;
  return { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion };
}

async function streamReply(res: ServerResponse, model: string, reply: string, delayMs: number) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }, null));
  const parts = reply.match(/\S+\s*/g) ?? [reply];
  for (const part of parts) {
    await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    res.write(chunk({ content: part }, null));
  }
  res.write(chunk({}, "stop", { usage: usage(reply) }));
  res.end("data: [DONE]\n\n");
}
