import { MODEL_KEY_ENV, type ModelProvider } from "./contract/model.ts";

/**
 * The model part of the gateway config (`models.providers`, `agents.defaults.model`), from an
 * instance's model settings. The key itself is never written here: the config names the env
 * variable (`${OPENROUTER_API_KEY}` ...) that the instance's Secret / secret store provides.
 * Provider ids: built-in `openrouter`, `anthropic`, `openai`; `custom` for openai-compatible.
 */
export interface GatewayModel {
  provider: ModelProvider;
  model: string;
  baseUrl?: string;
  /** Whether the instance's secrets carry the key (MODEL_KEY_ENV[provider]). */
  hasApiKey: boolean;
}

/** Operator overrides of the built-in providers' endpoints (a company proxy, or a test stand-in). */
export type ProviderBaseUrls = Partial<Record<Exclude<ModelProvider, "openai-compatible">, string>>;

export const CUSTOM_PROVIDER_ID = "custom";
/** Accepted by OpenClaw for loopback/private custom endpoints that need no key (Ollama). */
const NO_KEY_MARKER = "clawbox-no-key";
const WIRE_API: Record<ModelProvider, string> = {
  openrouter: "openai-completions",
  openai: "openai-completions",
  anthropic: "anthropic-messages",
  "openai-compatible": "openai-completions",
};

export interface GatewayModelConfig {
  models?: { providers: Record<string, ProviderEntry> };
  agents: { defaults: { model: { primary: string } } };
}

interface ProviderEntry {
  baseUrl: string;
  api: string;
  apiKey: string;
  models: Array<{ id: string; name: string }>;
}

export function providerId(provider: ModelProvider): string {
  return provider === "openai-compatible" ? CUSTOM_PROVIDER_ID : provider;
}

export function buildModelConfig(m: GatewayModel, overrides: ProviderBaseUrls = {}): GatewayModelConfig {
  const id = providerId(m.provider);
  const baseUrl = m.provider === "openai-compatible" ? m.baseUrl : overrides[m.provider];
  const out: GatewayModelConfig = { agents: { defaults: { model: { primary: `${id}/${m.model}` } } } };
  // Built-ins with their public endpoint need no entry: OpenClaw knows them and reads the key
  // from the env. An entry is written only where the endpoint differs.
  if (baseUrl) {
    out.models = {
      providers: {
        [id]: {
          baseUrl,
          api: WIRE_API[m.provider],
          apiKey: m.hasApiKey ? `\${${MODEL_KEY_ENV[m.provider]}}` : NO_KEY_MARKER,
          models: [{ id: m.model, name: m.model }],
        },
      },
    };
  }
  return out;
}
