/**
 * What the sleep decision asks a running instance's pod agent, over plain HTTP (rare calls;
 * the request path's persistent socket stays for users' traffic). Each answer is optional:
 * an agent that cannot say keeps the instance awake (the caller treats a failure as activity).
 */
import { randomUUID } from "node:crypto";
import type { InstanceEndpoint } from "@clawbox/shared";
import { channelStatusOrUnknown } from "../channel-summary.ts";
import { type CronJobView, wakingCronAt } from "./decision.ts";

const TIMEOUT_MS = 10_000;

async function agentJson<T>(ep: InstanceEndpoint, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${ep.agentUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ep.agentToken}`, ...(init.body ? { "content-type": "application/json" } : {}) },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`agent ${path} answered HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function rpc<T>(ep: InstanceEndpoint, method: string, params: unknown): Promise<T> {
  const r = await agentJson<{ ok: boolean; payload?: T; error?: { code?: string; message?: string } }>(ep, "/rpc", {
    method: "POST",
    body: JSON.stringify({ method, params, timeoutMs: TIMEOUT_MS - 1000 }),
  });
  if (!r.ok) throw Object.assign(new Error(r.error?.message ?? `${method} failed`), { code: r.error?.code });
  return r.payload as T;
}

/** The gateway's own activity as the agent saw it (messages in or out, relayed calls). */
export async function agentActivityAt(ep: InstanceEndpoint): Promise<number> {
  const r = await agentJson<{ lastActivityAt?: string }>(ep, "/activity");
  const at = Date.parse(r.lastActivityAt ?? "");
  if (!Number.isFinite(at)) throw new Error("agent /activity gave no time");
  return at;
}

/** The next cron job of the gateway that should wake it (decision.ts wakingCronAt), or undefined. */
export async function nextCronAt(ep: InstanceEndpoint): Promise<number | undefined> {
  const page = await rpc<{ jobs?: CronJobView[] }>(ep, "cron.list", { includeDisabled: false, limit: 200, includeDeliveryPreviews: false });
  return wakingCronAt(page.jobs ?? []);
}

/**
 * Asks the gateway to hold still for a stop (`gateway.suspend.prepare`, OpenClaw's fence for
 * hosts that suspend idle gateways): "ready" only when no tracked work is running (a reply being
 * written, queued messages, a cron run), and then it admits no new work until the lease ends.
 * Returns a release for the lease when ready (used when the sleep does not happen after all),
 * or the count of what is still running.
 */
export async function prepareSuspend(ep: InstanceEndpoint): Promise<{ ready: true; release: () => Promise<void> } | { ready: false; active: number }> {
  const r = await rpc<{ status?: string; suspensionId?: string; activeCount?: number }>(ep, "gateway.suspend.prepare", { requestId: `clawbox-sleep-${randomUUID()}` });
  if (r.status !== "ready" || !r.suspensionId) return { ready: false, active: r.activeCount ?? 1 };
  const suspensionId = r.suspensionId;
  return { ready: true, release: () => rpc(ep, "gateway.suspend.resume", { suspensionId }).then(() => undefined) };
}

/** Whether WhatsApp is linked (its connection lives in the gateway, so sleeping drops it). */
export async function whatsappLinked(ep: InstanceEndpoint): Promise<boolean> {
  const s = await channelStatusOrUnknown("whatsapp", () => rpc(ep, "channels.status", { channel: "whatsapp" }));
  return Boolean(s.linked || s.connected || s.accounts.some((a) => a.linked || a.connected));
}

/** The Telegram bot token of the gateway's config (agent GET /wake-sources), or undefined. */
export async function telegramBotToken(ep: InstanceEndpoint): Promise<string | undefined> {
  const r = await agentJson<{ telegramBotToken?: string | null }>(ep, "/wake-sources");
  return r.telegramBotToken ?? undefined;
}
