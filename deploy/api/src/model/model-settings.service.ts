import { Inject, Injectable } from "@nestjs/common";
import { checkModelSettings, HttpError, type Logger, type ModelSettings, type ModelView, modelView } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";
import { decryptSecret, encryptSecret } from "../openrouter/key-cipher.ts";
import { OpenRouterKeysService } from "../openrouter/openrouter-keys.service.ts";
import { ModelSettingsRepository } from "./model-settings.repository.ts";

/** Which model a user's assistant answers with, and with which key. */
export interface EffectiveModel {
  settings: ModelSettings;
  source: NonNullable<ModelView["source"]>;
}

/**
 * A user's model, in order: their own settings (Settings > Assistant's model), else the
 * platform's OpenRouter key with OPENROUTER_DEFAULT_MODEL (the guide's production path, when
 * OPENROUTER_MANAGEMENT_KEY is set), else the operator's CLAWBOX_DEFAULT_MODEL_*, else none.
 * Keys are stored only encrypted (AES-256-GCM bound to the user id) and never leave in a view.
 */
@Injectable()
export class ModelSettingsService {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly repo: ModelSettingsRepository,
    private readonly openrouter: OpenRouterKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The user's own settings with the key decrypted, or undefined. */
  async own(userId: string): Promise<ModelSettings | undefined> {
    const row = await this.repo.find(userId);
    if (!row) return undefined;
    return {
      provider: row.provider as ModelSettings["provider"],
      model: row.model,
      ...(row.baseUrl ? { baseUrl: row.baseUrl } : {}),
      ...(row.keyEncrypted ? { apiKey: decryptSecret(this.config.encryptionKey, row.keyEncrypted, userId) } : {}),
    };
  }

  /**
   * What an instance gets. `label` names a new OpenRouter key; with `createKey` false no key
   * is created (a view must not spend one), so the OpenRouter path reports itself without one.
   */
  async effective(userId: string, label: string, createKey = true): Promise<EffectiveModel | undefined> {
    const own = await this.own(userId);
    if (own) return { settings: own, source: "user" };
    if (this.openrouter.enabled) {
      const apiKey = createKey ? await this.openrouter.keyFor(userId, label) : await this.openrouter.existingKey(userId);
      return { settings: { provider: "openrouter", model: this.config.openrouterDefaultModel, ...(apiKey ? { apiKey } : {}) }, source: "openrouter" };
    }
    if (this.config.defaultModel) return { settings: this.config.defaultModel, source: "operator" };
    return undefined;
  }

  async view(userId: string): Promise<ModelView> {
    const m = await this.effective(userId, "", false);
    if (!m) throw new HttpError(404, "No model is set for your assistant", { code: "model_not_configured" });
    // The platform's OpenRouter key is the platform's: the user "has" it once it exists.
    return modelView(m.settings, m.source);
  }

  /**
   * Stores the user's settings. A PUT without apiKey keeps the stored key when the provider
   * and endpoint are unchanged (changing only the model needs no re-typing of the key).
   */
  async set(userId: string, input: ModelSettings): Promise<ModelSettings> {
    checkModelSettings(input);
    const previous = await this.own(userId);
    const keep = !input.apiKey && previous && previous.provider === input.provider && previous.baseUrl === input.baseUrl;
    const apiKey = input.apiKey ?? (keep ? previous.apiKey : undefined);
    await this.repo.upsert({
      userId,
      provider: input.provider,
      model: input.model,
      baseUrl: input.baseUrl ?? null,
      keyEncrypted: apiKey ? encryptSecret(this.config.encryptionKey, apiKey, userId) : null,
    });
    this.logger.info({ userId, provider: input.provider, hasApiKey: !!apiKey }, "model settings saved");
    return { ...input, ...(apiKey ? { apiKey } : {}) };
  }

  async clear(userId: string): Promise<void> {
    await this.repo.delete(userId);
    this.logger.info({ userId }, "model settings removed");
  }
}
