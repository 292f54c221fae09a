import { Inject, Injectable } from "@nestjs/common";
import { HttpError } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG } from "../common/tokens.ts";

interface Failures {
  count: number;
  /** No password check for this account before this time (ms). */
  nextAllowedAt: number;
  lastFailureAt: number;
}

/** An account's record is forgotten this long after its last failure. */
const FORGET_AFTER_MS = 60 * 60_000;

/**
 * Per-ACCOUNT login limit, next to the per-address one (AuthRateLimitGuard): guesses spread
 * over many addresses still hit one account. The first `loginFreeFailures` wrong passwords are
 * free; after that each failure doubles the wait before the next attempt is even checked
 * (1 s, 2 s, 4 s, ... up to `loginMaxBackoffSeconds`). A wait slows the owner by seconds, not a
 * lockout; a successful sign-in clears the record. In memory per replica, like the
 * per-address buckets: it bounds guessing per pod, which is what it is for.
 */
@Injectable()
export class LoginThrottle {
  private readonly accounts = new Map<string, Failures>();
  private readonly freeFailures: number;
  private readonly maxBackoffMs: number;

  constructor(@Inject(CONFIG) config: ApiConfig) {
    this.freeFailures = config.loginFreeFailures;
    this.maxBackoffMs = config.loginMaxBackoffSeconds * 1000;
  }

  private key(email: string): string {
    return email.trim().toLowerCase();
  }

  /** Throws 429 `login_throttled` while the account is in its backoff. */
  assertAllowed(email: string, now = Date.now()): void {
    const f = this.accounts.get(this.key(email));
    if (!f || now >= f.nextAllowedAt) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((f.nextAllowedAt - now) / 1000));
    throw new HttpError(429, "Too many failed sign-ins for this account, try again later", {
      code: "rate_limited",
      details: { retryAfterSeconds },
    });
  }

  failed(email: string, now = Date.now()): void {
    const key = this.key(email);
    const f = this.accounts.get(key) ?? { count: 0, nextAllowedAt: 0, lastFailureAt: 0 };
    f.count += 1;
    f.lastFailureAt = now;
    const over = f.count - this.freeFailures;
    if (over > 0) f.nextAllowedAt = now + Math.min(this.maxBackoffMs, 1000 * 2 ** Math.min(over - 1, 30));
    this.accounts.set(key, f);
    if (this.accounts.size > 50_000) this.prune(now);
  }

  succeeded(email: string): void {
    this.accounts.delete(this.key(email));
  }

  private prune(now: number): void {
    for (const [k, f] of this.accounts) if (now - f.lastFailureAt > FORGET_AFTER_MS) this.accounts.delete(k);
  }
}
