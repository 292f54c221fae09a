import { randomUUID } from "node:crypto";
import type { ChatErrorCode, ChatHistory, ChatMessage, ChatStreamEvent, RpcFrameEvent } from "@clawbox/shared";
import type { AgentPool } from "./agent-pool.ts";
import { toHttpError, type InstanceGateway } from "./instance-gateway.ts";

/**
 * Chat with an instance's assistant: `chat.send` on its gateway, then the gateway's `chat`
 * events for that run (pushed by the agent over the Manager's one socket per instance, no
 * polling), turned into the contract's stream: delta {text} as the reply arrives, then done
 * {text} or error {error, code}. One conversation per assistant: the gateway's main session,
 * the same one the Control UI shows.
 */
export const CHAT_SESSION_KEY = "main";
/** A reply that has not finished by then is reported as failed (models can be slow, tools slower). */
const REPLY_TIMEOUT_MS = 5 * 60_000;

interface ChatEventPayload {
  runId?: string;
  state?: string;
  deltaText?: string;
  message?: { content?: unknown };
  errorMessage?: string;
  errorDetail?: { failoverReason?: string; providerRuntimeFailureKind?: string; status?: number };
}

export async function streamChat(
  gw: InstanceGateway,
  pool: AgentPool,
  userId: string,
  message: string,
  write: (e: ChatStreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  try {
    await gw.endpoint(userId, (phase) => write({ event: "status", data: { phase } }));
  } catch (e) {
    const err = toHttpError(e);
    return write({ event: "error", data: { error: err.message, code: err.status === 404 ? "chat_failed" : "instance_not_running" } });
  }
  const runId = randomUUID();
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const finish = (e?: ChatStreamEvent) => {
    if (finished) return;
    finished = true;
    if (e) write(e);
    resolveDone();
  };
  const unsubscribe = pool.subscribe(userId, (frame: RpcFrameEvent) => {
    const p = (frame.payload ?? {}) as ChatEventPayload;
    if (frame.event !== "chat" || p.runId !== runId || finished) return;
    if (p.state === "delta" && p.deltaText) write({ event: "delta", data: { text: p.deltaText } });
    else if (p.state === "final") finish({ event: "done", data: { text: textOf(p.message?.content) } });
    else if (p.state === "error" || p.state === "aborted") finish({ event: "error", data: { error: friendlyError(p), code: chatErrorCode(p) } });
  });
  const timer = setTimeout(() => finish({ event: "error", data: { error: "The assistant did not finish its reply in time", code: "chat_failed" } }), REPLY_TIMEOUT_MS);
  const onAbort = () => finish();
  signal.addEventListener("abort", onAbort);
  try {
    await gw.call(userId, "chat.send", { sessionKey: CHAT_SESSION_KEY, message, idempotencyKey: runId }, 60_000);
  } catch (e) {
    const err = toHttpError(e);
    finish({ event: "error", data: { error: err.message, code: err.status === 503 ? "instance_not_running" : "chat_failed" } });
  }
  await done;
  clearTimeout(timer);
  signal.removeEventListener("abort", onAbort);
  unsubscribe();
}

export async function chatHistory(gw: InstanceGateway, userId: string): Promise<ChatHistory> {
  const h = await gw.call<{ messages?: Array<{ role?: string; content?: unknown; timestamp?: number }> }>(userId, "chat.history", { sessionKey: CHAT_SESSION_KEY }, 30_000);
  const messages: ChatMessage[] = [];
  for (const m of h?.messages ?? []) {
    if (m.role !== "user" && m.role !== "assistant") continue;
    const text = textOf(m.content);
    if (!text) continue;
    messages.push({ role: m.role, text, at: new Date(typeof m.timestamp === "number" ? m.timestamp : 0).toISOString() });
  }
  return { messages };
}

/** Message content is a string or a list of parts; the text parts are what a person reads. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => (p && typeof p === "object" && (p as { type?: string }).type === "text" ? String((p as { text?: unknown }).text ?? "") : ""))
    .join("");
}

/**
 * The gateway's failure, as a code the app explains: a missing model (the gateway's default
 * model has no credentials), a key the provider refused, no credits left, or anything else.
 */
export function chatErrorCode(p: ChatEventPayload): ChatErrorCode {
  const reason = `${p.errorDetail?.failoverReason ?? ""} ${p.errorDetail?.providerRuntimeFailureKind ?? ""}`.toLowerCase();
  const msg = (p.errorMessage ?? "").toLowerCase();
  // The gateway's own classification first, when it gives one.
  if (/billing|credit|quota|payment/.test(reason)) return "model_out_of_credits";
  if (/auth/.test(reason)) return "model_auth_failed";
  if (/no route-compatible authentication source|no api key|not configured/.test(msg)) return "model_not_configured";
  // After a refused key the gateway parks it for a while ("temporarily disabled after a provider
  // auth/billing failure"): the key is still the problem, so it is reported as refused.
  if (/temporarily disabled|authentication failed|http 401|http 403|invalid api key/.test(msg)) return "model_auth_failed";
  if (/http 402|insufficient (credits|quota)|out of credits/.test(msg)) return "model_out_of_credits";
  if (/rate.?limit|overloaded|timeout|unavailable|http 5\d\d/.test(`${reason} ${msg}`)) return "model_unavailable";
  return "chat_failed";
}

function friendlyError(p: ChatEventPayload): string {
  // The gateway adds CLI advice ("run openclaw logs") meant for its operator, not the user.
  return (p.errorMessage ?? "The assistant could not reply").split("\nTo view logs")[0]!.replace(/^⚠️\s*/, "").trim();
}
