import { Inject, Injectable } from "@nestjs/common";
import { HttpError, type Logger } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";

export interface CreatedKey {
  /** The API key itself (sk-or-v1-...): returned once, stored only encrypted. */
  key: string;
  /** OpenRouter's id of the key, used for PATCH/DELETE /api/v1/keys/{hash}. */
  hash: string;
}

const failed = (what: string) =>
  new HttpError(502, `OpenRouter key management failed (${what})`, { code: "openrouter_error" });

/**
 * OpenRouter's key-management API (docs: "Management API Keys"): `POST /api/v1/keys`
 * {name, limit} -> 201 {data:{hash,...}, key}; `PATCH /api/v1/keys/{hash}` {disabled};
 * `GET /api/v1/keys?offset=` -> {data:[...]} (to find a key a failed create may have made).
 * Authorized with the management key, which never leaves this class.
 */
@Injectable()
export class OpenRouterClient {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return !!this.config.openrouterManagementKey;
  }

  async createKey(name: string, limit: number): Promise<CreatedKey> {
    const body = (await this.send("POST", "/api/v1/keys", { name, limit })) as { key?: unknown; data?: { hash?: unknown } };
    if (typeof body?.key !== "string" || typeof body.data?.hash !== "string") throw failed("unexpected create response");
    return { key: body.key, hash: body.data.hash };
  }

  /** Hashes of the enabled keys with this name (`GET /api/v1/keys`, paged by offset). */
  async enabledKeysNamed(name: string): Promise<string[]> {
    const hashes: string[] = [];
    for (let offset = 0, page = 0; page < 50; page++) {
      const body = (await this.send("GET", `/api/v1/keys?offset=${offset}`)) as { data?: { hash?: unknown; name?: unknown; disabled?: unknown }[] };
      const items = Array.isArray(body?.data) ? body.data : [];
      if (items.length === 0) break;
      for (const k of items) if (k.name === name && k.disabled !== true && typeof k.hash === "string") hashes.push(k.hash);
      offset += items.length;
    }
    return hashes;
  }

  async setDisabled(hash: string, disabled: boolean): Promise<void> {
    await this.send("PATCH", `/api/v1/keys/${encodeURIComponent(hash)}`, { disabled });
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.config.openrouterApiUrl + path, {
        method,
        headers: { authorization: `Bearer ${this.config.openrouterManagementKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      this.logger.warn({ op: `${method} ${path.split("/").slice(0, 4).join("/")}`, err: (e as Error)?.message }, "openrouter unreachable");
      throw failed("unreachable");
    }
    const text = await res.text();
    if (!res.ok) {
      // Status only: OpenRouter's error body could echo what we sent.
      this.logger.warn({ op: method, status: res.status }, "openrouter refused a key-management call");
      throw failed(`HTTP ${res.status}`);
    }
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw failed("invalid JSON");
    }
  }
}
