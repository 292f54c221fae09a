import { Inject, Injectable } from "@nestjs/common";
import { HttpError, type Logger, type Subscription } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";
import { OpenRouterKeysService } from "../openrouter/openrouter-keys.service.ts";
import { UsersRepository } from "../users/users.repository.ts";
import { RevenueCatClient } from "./revenuecat.client.ts";
import { SubscriptionsRepository } from "./subscriptions.repository.ts";


export interface RevenueCatEvent {
  type?: string;
  app_user_id?: string;
  original_app_user_id?: string;
  aliases?: string[];
  entitlement_ids?: string[] | null;
  entitlement_id?: string | null;
  expiration_at_ms?: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Events after which the entitlement's state follows from expiration_at_ms. */
const STATE_EVENTS = new Set([
  "INITIAL_PURCHASE",
  "RENEWAL",
  "UNCANCELLATION",
  "PRODUCT_CHANGE",
  "NON_RENEWING_PURCHASE",
  "SUBSCRIPTION_EXTENDED",
  "CANCELLATION",
  "EXPIRATION",
  "BILLING_ISSUE",
]);

/**
 * Entitlement state per user. With REVENUECAT_API_KEY: RevenueCat's subscriber API is the
 * truth, cached in the subscriptions table for ENTITLEMENT_CACHE_SECONDS, and the webhook
 * updates the row as events arrive. Without it: everyone is entitled.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly revenuecat: RevenueCatClient,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly users: UsersRepository,
    private readonly openrouter: OpenRouterKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get required(): boolean {
    return !!this.config.revenuecatApiKey;
  }

  async status(userId: string): Promise<Subscription> {
    const entitlement = this.config.revenuecatEntitlement;
    if (!this.required) return { active: true, entitlement, expiresAt: null, source: "not_required", required: false };
    const cached = await this.subscriptions.find(userId);
    const fresh = cached && Date.now() - cached.updatedAt.getTime() < this.config.entitlementCacheSeconds * 1000;
    let active: boolean;
    let expiresAt: Date | null;
    let source: string;
    if (cached && fresh) {
      ({ active, expiresAt, source } = cached);
    } else {
      try {
        ({ active, expiresAt } = await this.revenuecat.entitlement(userId));
        source = "revenuecat_api";
        await this.subscriptions.upsert({ userId, entitlement, active, expiresAt, source });
      } catch (e) {
        // RevenueCat down: a stale answer beats locking paying users out.
        if (!cached) throw e;
        ({ active, expiresAt, source } = cached);
      }
    }
    if (active && expiresAt && expiresAt.getTime() <= Date.now()) active = false;
    if (!active && cached?.active) await this.lapsed(userId, "entitlement check");
    return { active, entitlement, expiresAt: expiresAt?.toISOString() ?? null, source, required: true };
  }

  /** Throws 402 unless the user may create an instance. */
  async assertEntitled(userId: string): Promise<void> {
    const s = await this.status(userId);
    if (!s.active) {
      throw new HttpError(402, `An active "${s.entitlement}" subscription is required`, { code: "subscription_required" });
    }
  }

  async handleWebhook(event: RevenueCatEvent): Promise<{ ok: true; applied: boolean }> {
    const type = event.type ?? "";
    const userId = await this.knownUser([event.app_user_id, event.original_app_user_id, ...(event.aliases ?? [])]);
    if (!userId || type === "TEST") return { ok: true, applied: false };
    const ids = event.entitlement_ids ?? (event.entitlement_id ? [event.entitlement_id] : null);
    if (ids && !ids.includes(this.config.revenuecatEntitlement)) return { ok: true, applied: false };
    if (!STATE_EVENTS.has(type)) {
      // TRANSFER, SUBSCRIPTION_PAUSED, ...: forget the cached state; the next check asks RevenueCat.
      await this.subscriptions.remove(userId);
      return { ok: true, applied: true };
    }
    const expiresAt = typeof event.expiration_at_ms === "number" ? new Date(event.expiration_at_ms) : null;
    const active = type !== "EXPIRATION" && (!expiresAt || expiresAt.getTime() > Date.now());
    await this.subscriptions.upsert({
      userId,
      entitlement: this.config.revenuecatEntitlement,
      active,
      expiresAt,
      source: "revenuecat_webhook",
    });
    this.logger.info({ userId, type, active }, "revenuecat webhook applied");
    if (active) await this.openrouter.enable(userId);
    else await this.lapsed(userId, `webhook ${type}`);
    return { ok: true, applied: true };
  }

  private async lapsed(userId: string, reason: string): Promise<void> {
    await this.openrouter.disable(userId, `subscription lapsed (${reason})`);
  }

  private async knownUser(candidates: (string | undefined)[]): Promise<string | undefined> {
    for (const id of candidates) {
      if (id && UUID.test(id) && (await this.users.findById(id))) return id;
    }
    return undefined;
  }
}
