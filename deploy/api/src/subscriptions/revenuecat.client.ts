import { Inject, Injectable } from "@nestjs/common";
import { HttpError, type Logger } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";

export interface EntitlementState {
  active: boolean;
  expiresAt: Date | null;
}

/**
 * RevenueCat REST API v1: `GET /v1/subscribers/{app_user_id}` with `Authorization: Bearer
 * <secret key>` -> {subscriber:{entitlements:{<id>:{expires_date|null,...}}}}. The app sets
 * RevenueCat's app user id to our user id.
 */
@Injectable()
export class RevenueCatClient {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async entitlement(appUserId: string): Promise<EntitlementState> {
    let res: Response;
    try {
      res = await fetch(`${this.config.revenuecatApiUrl}/v1/subscribers/${encodeURIComponent(appUserId)}`, {
        headers: { authorization: `Bearer ${this.config.revenuecatApiKey}`, accept: "application/json" },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      this.logger.warn({ err: (e as Error)?.message }, "revenuecat unreachable");
      throw new HttpError(503, "Subscription service unreachable, try again", { code: "subscription_check_failed" });
    }
    if (!res.ok) {
      this.logger.warn({ status: res.status }, "revenuecat refused the subscriber lookup");
      throw new HttpError(503, "Subscription check failed, try again", { code: "subscription_check_failed" });
    }
    const body = (await res.json()) as {
      subscriber?: { entitlements?: Record<string, { expires_date?: string | null }> };
    };
    const ent = body.subscriber?.entitlements?.[this.config.revenuecatEntitlement];
    if (!ent) return { active: false, expiresAt: null };
    const expiresAt = ent.expires_date ? new Date(ent.expires_date) : null;
    return { active: !expiresAt || expiresAt.getTime() > Date.now(), expiresAt };
  }
}
