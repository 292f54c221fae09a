import { Type, type Static } from "@sinclair/typebox";
import { badRequest } from "../errors.ts";

/**
 * An assistant's model: which provider answers it, which model, and the key it pays with.
 * One definition for every boundary: the Manager's instance spec (`POST /api/instances`,
 * `PUT /api/instances/:userId/model`), the App API's `/users/me/model` and the app's settings.
 * Keys travel only inward (app -> App API -> Manager -> the instance's Secret); every view
 * going back out says `hasApiKey` instead.
 */
export const MODEL_PROVIDERS = ["openrouter", "anthropic", "openai", "openai-compatible"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export const ModelProviderSchema = Type.Unsafe<ModelProvider>({
  type: "string",
  enum: [...MODEL_PROVIDERS],
  description: "openrouter, anthropic, openai, or openai-compatible (Ollama, vLLM, LiteLLM, LM Studio; needs baseUrl)",
});

export const ModelSettingsSchema = Type.Object(
  {
    provider: ModelProviderSchema,
    model: Type.String({ minLength: 1, maxLength: 200, pattern: "^\\S+$", description: "The provider's model id, e.g. anthropic/claude-sonnet-4.5 on OpenRouter", examples: ["openai/gpt-4o-mini"] }),
    apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, writeOnly: true, description: "The provider key; stored encrypted, never returned" })),
    baseUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "http(s) URL of an OpenAI-compatible server (openai-compatible only), e.g. http://127.0.0.1:11434/v1" })),
  },
  { additionalProperties: false, $id: "ModelSettings" },
);
export type ModelSettings = Static<typeof ModelSettingsSchema>;

export const ModelViewSchema = Type.Object(
  {
    provider: ModelProviderSchema,
    model: Type.String(),
    baseUrl: Type.Optional(Type.String()),
    hasApiKey: Type.Boolean(),
    source: Type.Optional(Type.Unsafe<"user" | "operator" | "openrouter">({ type: "string", enum: ["user", "operator", "openrouter"], description: "Where the model comes from: the user's own settings, the operator's default, or the platform's OpenRouter key" })),
  },
  { additionalProperties: false, $id: "ModelView" },
);
export type ModelView = Static<typeof ModelViewSchema>;

/** The environment variable the gateway reads the key from; it lives only in the instance's Secret. */
export const MODEL_KEY_ENV: Record<ModelProvider, string> = {
  openrouter: "OPENROUTER_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
  "openai-compatible": "CLAWBOX_MODEL_API_KEY",
};

/**
 * Rules JSON Schema can't say, checked before anything is stored or applied (400 naming the
 * field and the rule). Link-local and cloud-metadata hosts are refused here; on Kubernetes the
 * gateway pod's NetworkPolicy is what keeps a baseUrl out of the cluster's private ranges.
 */
export function checkModelSettings(m: ModelSettings, prefix = ""): ModelSettings {
  const f = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if (m.provider === "openai-compatible" && !m.baseUrl) {
    throw badRequest(f("baseUrl"), "required", `${f("baseUrl")} is required for provider openai-compatible`);
  }
  if (m.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(m.baseUrl);
    } catch {
      throw badRequest(f("baseUrl"), "url", `${f("baseUrl")} must be an absolute http(s) URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw badRequest(f("baseUrl"), "http-url", `${f("baseUrl")} must use http or https`);
    }
    if (url.username || url.password) {
      throw badRequest(f("baseUrl"), "no-credentials", `${f("baseUrl")} must not carry credentials; use apiKey`);
    }
    if (isMetadataOrLinkLocal(url.hostname)) {
      throw badRequest(f("baseUrl"), "not-link-local", `${f("baseUrl")} must not point at a link-local or cloud metadata address`);
    }
  }
  return m;
}

const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

/** 169.254.0.0/16, fe80::/10, fd00:ec2::254, 100.100.100.200 (Alibaba) and metadata host names. */
export function isMetadataOrLinkLocal(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (METADATA_HOSTS.has(h)) return true;
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(h) || h === "100.100.100.200") return true;
  if (/^fe[89ab][0-9a-f]?:/.test(h) || h === "fd00:ec2::254") return true;
  // IPv4-mapped IPv6 (::ffff:169.254.169.254 or ::ffff:a9fe:a9fe)
  const mapped = /^::ffff:(.+)$/.exec(h);
  if (mapped) {
    const v = mapped[1]!;
    if (/^169\.254\./.test(v) || /^a9fe:/.test(v)) return true;
  }
  return false;
}

/** What a view says of stored settings: everything but the key. */
export function modelView(m: ModelSettings, source?: ModelView["source"]): ModelView {
  return { provider: m.provider, model: m.model, ...(m.baseUrl ? { baseUrl: m.baseUrl } : {}), hasApiKey: !!m.apiKey, ...(source ? { source } : {}) };
}
