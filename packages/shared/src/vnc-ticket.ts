import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Short-lived, single-use tickets for the VNC WebSocket, so the browser never holds the Manager
 * API key. The App API signs them with the key it shares with the Manager
 * (MANAGER_API_KEY == OPENCLAW_MANAGER_API_KEY); the App API and the Manager verify them.
 * A ticket is bound to the Manager userId (the instance's objects), the App API instance id and
 * the App API user it was issued to, and carries a random nonce so each service can refuse a
 * second use (TicketLedger).
 * Format: "vt2.<userId>.<instanceId>.<subject>.<nonce>.<expiresAtSeconds>.<base64url hmac-sha256>".
 */
const PREFIX = "vt2";

export interface VncTicketClaims {
  /** The Manager userId (`u-<hex>`). */
  userId: string;
  /** The App API instance id. */
  instanceId: string;
  /** The App API user the ticket was issued to. */
  subject: string;
  nonce: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const FIELD = /^[A-Za-z0-9_-]{1,64}$/;

function mac(key: string, c: Omit<VncTicketClaims, "exp"> & { exp: number }): string {
  return createHmac("sha256", key)
    .update(`${PREFIX}|vnc|${c.userId}|${c.instanceId}|${c.subject}|${c.nonce}|${c.exp}`)
    .digest("base64url");
}

export function signVncTicket(
  key: string,
  bind: { userId: string; instanceId: string; subject: string },
  ttlSeconds = 60,
  now = Date.now(),
): string {
  for (const v of [bind.userId, bind.instanceId, bind.subject]) {
    if (!FIELD.test(v)) throw new Error("signVncTicket: ids must be 1-64 characters of A-Z a-z 0-9 _ -");
  }
  const claims = { ...bind, nonce: randomBytes(16).toString("base64url"), exp: Math.floor(now / 1000) + ttlSeconds };
  return [PREFIX, claims.userId, claims.instanceId, claims.subject, claims.nonce, claims.exp, mac(key, claims)].join(".");
}

/**
 * The claims of an authentic, unexpired ticket whose bindings equal `expected` (each given field
 * must match), else null. Accepts anything as `ticket` (query strings can be arrays).
 */
export function verifyVncTicket(
  key: string,
  ticket: unknown,
  expected: { userId: string; instanceId?: string; subject?: string },
  now = Date.now(),
): VncTicketClaims | null {
  if (typeof ticket !== "string" || ticket.length > 512) return null;
  const parts = ticket.split(".");
  if (parts.length !== 7 || parts[0] !== PREFIX) return null;
  const [, userId, instanceId, subject, nonce, expRaw, given] = parts as [string, string, string, string, string, string, string];
  const exp = Number(expRaw);
  if (!Number.isInteger(exp) || exp * 1000 < now) return null;
  const claims: VncTicketClaims = { userId, instanceId, subject, nonce, exp };
  const a = Buffer.from(mac(key, claims));
  const b = Buffer.from(given);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  if (userId !== expected.userId) return null;
  if (expected.instanceId !== undefined && instanceId !== expected.instanceId) return null;
  if (expected.subject !== undefined && subject !== expected.subject) return null;
  return claims;
}

/**
 * Remembers the nonces of tickets already used until they expire, so a ticket opens at most one
 * session per service. In memory: a ticket lives 60 s and is used right after it is issued, by
 * the replica that serves the WebSocket.
 */
export class TicketLedger {
  private readonly used = new Map<string, number>();

  /** True the first time a (verified) ticket is presented, false for every later use. */
  consume(claims: VncTicketClaims, now = Date.now()): boolean {
    for (const [nonce, exp] of this.used) if (exp * 1000 < now) this.used.delete(nonce);
    if (this.used.has(claims.nonce)) return false;
    this.used.set(claims.nonce, claims.exp);
    return true;
  }
}

/**
 * Constant-time comparison of two secrets of any length. Anything that is not a string (a query
 * parameter given twice arrives as an array) is simply unequal, never an exception.
 */
export function safeEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const ha = createHmac("sha256", "clawbox-compare").update(a).digest();
  const hb = createHmac("sha256", "clawbox-compare").update(b).digest();
  return timingSafeEqual(ha, hb);
}
