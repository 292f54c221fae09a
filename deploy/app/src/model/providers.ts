import type { ModelProvider } from "../api/models.ts";

/** The providers in the order Settings offers them (the contract's MODEL_PROVIDERS). */
export const PROVIDERS: readonly ModelProvider[] = ["openrouter", "anthropic", "openai", "openai-compatible"];

/**
 * Model ids to suggest per provider (the provider's own ids, as OpenClaw's provider docs use
 * them). Suggestions only: the field takes any id, since providers add models faster than an
 * app ships.
 */
export const MODEL_SUGGESTIONS: Record<ModelProvider, readonly string[]> = {
  openrouter: ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6", "deepseek/deepseek-v4-flash", "moonshotai/kimi-k2.6", "auto"],
  anthropic: ["claude-sonnet-4-6", "claude-opus-5", "claude-sonnet-5", "claude-opus-4-6"],
  openai: ["gpt-5.5", "gpt-5.6-luna", "gpt-6-astra", "gpt-4o-mini"],
  "openai-compatible": ["llama3.2", "qwen3", "gpt-oss:20b", "mistral"],
};

/** Only a self-hosted endpoint needs its address, and it may run without a key (Ollama). */
export const needsBaseUrl = (p: ModelProvider) => p === "openai-compatible";
export const needsApiKey = (p: ModelProvider) => p !== "openai-compatible";

export const BASE_URL_EXAMPLE = "http://127.0.0.1:11434/v1";
