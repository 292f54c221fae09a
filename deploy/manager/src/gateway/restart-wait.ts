import { GatewayError, HttpError } from "@clawbox/shared";

/**
 * When a gateway call may wait for the gateway to come back instead of failing with a 503.
 *
 * OpenClaw restarts its gateway by itself after some config changes (a channel added or
 * dropped): the process exits and the runtime starts it again, or the gateway answers
 * UNAVAILABLE "... during gateway restart" meanwhile. A user who set up Telegram and at once asks
 * for its status should get the answer, not an error, so the call waits for the gateway (within
 * CLAWBOX_WAKE_TIMEOUT, the allowance callers already give a sleeping instance) and is sent
 * again, but only where sending again cannot do a thing twice:
 *  - the instance is (re)starting: nothing was sent;
 *  - the gateway, or the agent in front of it, refused or could not take the request: nothing was
 *    done (a GatewayError without a close code);
 *  - the connection closed after the request went out (close code): only read-only methods,
 *    methods carrying an idempotency key the gateway dedupes by, and compare-and-set writes are
 *    sent again. A config write with a `baseHash` is one: OpenClaw restarts itself right after
 *    some writes, often before their answer is out, and a resend of a write that did apply fails
 *    on the changed hash ("config changed since last load") instead of writing twice.
 */
const READ_ONLY = new Set(["status", "health", "config.get", "channels.status", "channel.status", "channels.pairing.list", "chat.history", "cron.list", "models.list"]);

export function retryableAfterRestart(e: unknown, method: string, params: unknown): boolean {
  if (e instanceof HttpError) return e.status === 503 && e.details?.phase === "starting";
  if (!(e instanceof GatewayError) || e.kind !== "unavailable") return false;
  if (e.details?.closeCode === undefined) return true;
  const safeToResend = typeof params === "object" && params !== null && ("idempotencyKey" in params || "baseHash" in params);
  return READ_ONLY.has(method) || safeToResend;
}

/** Pause between attempts: short, since a gateway start is seconds, not minutes. */
export const RESTART_RETRY_DELAY_MS = 1000;
