import { Inject, Injectable, type CanActivate, type ExecutionContext } from "@nestjs/common";
import { HttpError } from "@clawbox/shared";
import type { FastifyRequest } from "fastify";
import type { ApiConfig } from "../config.ts";
import { CONFIG } from "./tokens.ts";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * In-memory token bucket per client IP and route for the auth endpoints: `capacity` requests
 * at once, refilled at capacity per minute. One replica holds its own buckets; that bounds
 * password guessing per pod, which is what the limit is for.
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;

  constructor(@Inject(CONFIG) config: ApiConfig) {
    this.capacity = config.authRateLimitPerMinute;
    this.refillPerMs = config.authRateLimitPerMinute / 60_000;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const key = `${req.ip}|${req.routeOptions.url ?? req.url}`;
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.updatedAt) * this.refillPerMs);
    b.updatedAt = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfterSeconds = Math.ceil((1 - b.tokens) / this.refillPerMs / 1000);
      throw new HttpError(429, "Too many requests, try again later", {
        code: "rate_limited",
        details: { retryAfterSeconds },
      });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 50_000) this.prune(now);
    return true;
  }

  /** Drops buckets that have refilled completely (they carry no information). */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.updatedAt) * this.refillPerMs >= this.capacity) this.buckets.delete(k);
    }
  }
}
