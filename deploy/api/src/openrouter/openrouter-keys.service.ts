import { createHash } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";
import { decryptSecret, encryptSecret } from "./key-cipher.ts";
import { OpenRouterClient } from "./openrouter.client.ts";
import { OpenRouterKeysRepository } from "./openrouter-keys.repository.ts";

/**
 * One OpenRouter key per user (created with the first instance, credit limit
 * OPENROUTER_KEY_LIMIT), handed to the Manager as the key of the instance's OpenRouter model,
 * stored only encrypted, disabled when the account goes or the subscription lapses.
 */
@Injectable()
export class OpenRouterKeysService {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly client: OpenRouterClient,
    private readonly keys: OpenRouterKeysRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.client.enabled;
  }

  /** The user's OpenRouter key, created on first use, enabled again if it was switched off. */
  async keyFor(userId: string, label: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    let row = await this.keys.findByUser(userId);
    if (!row) {
      const name = `clawbox-${label}`;
      let created;
      try {
        created = await this.client.createKey(name, this.config.openrouterKeyLimit);
      } catch (e) {
        // OpenRouter may have made the key and failed after (or the answer got lost): find it by
        // name and switch it off, so no key we never stored stays usable.
        await this.disableUnrecorded(userId, name);
        throw e;
      }
      row = await this.keys.insert({
        userId,
        providerKeyHash: created.hash,
        keyHash: createHash("sha256").update(created.key).digest("hex"),
        keyEncrypted: encryptSecret(this.config.encryptionKey, created.key, userId),
        limitCredits: this.config.openrouterKeyLimit,
      });
      if (!row) {
        // Lost a race with a concurrent create: keep theirs, switch ours off.
        await this.client.setDisabled(created.hash, true).catch(() => undefined);
        row = (await this.keys.findByUser(userId))!;
      } else {
        this.logger.info({ userId, providerKeyHash: created.hash }, "openrouter key created");
      }
    }
    if (row.state !== "active") await this.enable(userId);
    return decryptSecret(this.config.encryptionKey, row.keyEncrypted, userId);
  }

  private async disableUnrecorded(userId: string, name: string): Promise<void> {
    try {
      const known = (await this.keys.findByUser(userId))?.providerKeyHash;
      for (const hash of await this.client.enabledKeysNamed(name)) {
        if (hash === known) continue;
        await this.client.setDisabled(hash, true);
        this.logger.warn({ userId, providerKeyHash: hash }, "openrouter key from a failed create disabled");
      }
    } catch (e) {
      this.logger.error({ userId, err: (e as Error)?.message }, "could not check OpenRouter for a key from a failed create");
    }
  }

  /** Whether the user has a key that is switched on now (a failed create switches off only what it switched on). */
  async isActive(userId: string): Promise<boolean> {
    if (!this.enabled) return false;
    return (await this.keys.findByUser(userId))?.state === "active";
  }

  /** The key if one was created already (never creates one). */
  async existingKey(userId: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const row = await this.keys.findByUser(userId);
    return row ? decryptSecret(this.config.encryptionKey, row.keyEncrypted, userId) : undefined;
  }

  async disable(userId: string, reason: string): Promise<void> {
    if (!this.enabled) return;
    const row = await this.keys.findByUser(userId);
    if (!row || row.state === "disabled") return;
    await this.client.setDisabled(row.providerKeyHash, true);
    await this.keys.setState(userId, "disabled");
    this.logger.info({ userId, providerKeyHash: row.providerKeyHash, reason }, "openrouter key disabled");
  }

  async enable(userId: string): Promise<void> {
    if (!this.enabled) return;
    const row = await this.keys.findByUser(userId);
    if (!row || row.state === "active") return;
    await this.client.setDisabled(row.providerKeyHash, false);
    await this.keys.setState(userId, "active");
    this.logger.info({ userId, providerKeyHash: row.providerKeyHash }, "openrouter key enabled");
  }
}
