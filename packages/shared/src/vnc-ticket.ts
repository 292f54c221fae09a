import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Short-lived, single-instance tickets for the VNC WebSocket, so the browser never holds
 * the Manager API key. The App API signs them with the key it shares with the Manager
 * (MANAGER_API_KEY == OPENCLAW_MANAGER_API_KEY); the Manager verifies them.
 * Format: "vt1.<userId>.<expiresAtSeconds>.<base64url hmac-sha256>".
 */
const PREFIX = "vt1";

function mac(key: string, userId: string, exp: number): string {
  return createHmac("sha256", key).update(`${PREFIX}|vnc|${userId}|${exp}`).digest("base64url");
}

export function signVncTicket(key: string, userId: string, ttlSeconds = 60, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  return `${PREFIX}.${userId}.${exp}.${mac(key, userId, exp)}`;
}

/** Returns true only for an unexpired ticket for exactly this userId. */
export function verifyVncTicket(key: string, ticket: string, userId: string, now = Date.now()): boolean {
  const parts = ticket.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX || parts[1] !== userId) return false;
  const exp = Number(parts[2]);
  if (!Number.isInteger(exp) || exp * 1000 < now) return false;
  const expected = Buffer.from(mac(key, userId, exp));
  const given = Buffer.from(parts[3] ?? "");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHmac("sha256", "clawbox-compare").update(a).digest();
  const hb = createHmac("sha256", "clawbox-compare").update(b).digest();
  return timingSafeEqual(ha, hb);
}
