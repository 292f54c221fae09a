import { hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkModelSettings, HttpError, type ModelProvider, MODEL_PROVIDERS, type ModelSettings } from "@clawbox/shared";

/**
 * The one config loader of the App API. Everything comes from the environment
 * (in Kubernetes: the Secret `openclaw-api`, guide Step 6.5). Kept free of decorators so
 * `npm run migrate` can load it with plain Node type stripping.
 */
export interface ApiConfig {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means embedded PGlite in `pgliteDir`. */
  databaseUrl: string | undefined;
  /** Data dir of the embedded PGlite; "memory://" for an in-memory database (tests). */
  pgliteDir: string;
  migrateOnStart: boolean;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  managerUrl: string;
  managerApiKey: string;
  managerTimeoutMs: number;
  googleClientId: string | undefined;
  appleClientId: string | undefined;
  googleJwksUrl: string;
  appleJwksUrl: string;
  revenuecatApiKey: string | undefined;
  revenuecatApiUrl: string;
  revenuecatWebhookSecret: string | undefined;
  revenuecatEntitlement: string;
  entitlementCacheSeconds: number;
  openrouterManagementKey: string | undefined;
  openrouterApiUrl: string;
  openrouterKeyLimit: number;
  /** OPENROUTER_DEFAULT_MODEL: the model a new assistant answers with on the platform's OpenRouter key. */
  openrouterDefaultModel: string;
  /** CLAWBOX_DEFAULT_MODEL_*: the operator's model for users who set none (self-hosted installs). */
  defaultModel: ModelSettings | undefined;
  /** 32-byte key for AES-256-GCM of the OpenRouter keys at rest. */
  encryptionKey: Buffer;
  maxInstancesPerUser: number;
  /** Requests per minute per IP and auth route. */
  authRateLimitPerMinute: number;
  swaggerEnabled: boolean;
  /**
   * Whose X-Forwarded-For to believe for the client IP (rate limits): false (nobody), true (any
   * hop: only behind a load balancer that overwrites it), or the proxies' addresses/CIDRs
   * ("127.0.0.1", "10.0.0.0/8,loopback"), so a client talking to the API directly cannot pick its IP.
   */
  trustProxy: boolean | string;
  /** Per-account login throttle: failures allowed before the backoff starts, and its cap. */
  loginFreeFailures: number;
  loginMaxBackoffSeconds: number;
}

export class ConfigError extends Error {}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/**
 * A development secret that survives restarts (so sessions and encrypted keys stay valid),
 * kept in the data dir with mode 0600. Production must supply its own.
 */
function persistedSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(path, secret + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}

function trustProxyFrom(env: Env): boolean | string {
  const raw = str(env, "TRUST_PROXY");
  if (raw === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  const items = raw.split(",").map((x) => x.trim());
  const ok = items.every((x) => /^(loopback|linklocal|uniquelocal)$/.test(x) || /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(x));
  if (!ok) throw new ConfigError(`TRUST_PROXY must be true, false or proxy addresses/CIDRs (e.g. "127.0.0.1"), got "${raw}"`);
  return items.join(",");
}

function encryptionKeyFrom(raw: string): Buffer {
  // Accept 64 hex chars or base64/base64url of 32 bytes; anything else is hashed-free rejected.
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, "hex");
  const b = Buffer.from(raw, "base64");
  if (b.length === 32) return b;
  throw new ConfigError("ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (openssl rand -base64 32)");
}

/** A documented, sensible default: capable with tools, inexpensive, served by many OpenRouter providers. */
export const DEFAULT_OPENROUTER_MODEL = "openai/gpt-4o-mini";

function defaultModelFrom(env: Env): ModelSettings | undefined {
  const provider = str(env, "CLAWBOX_DEFAULT_MODEL_PROVIDER");
  const model = str(env, "CLAWBOX_DEFAULT_MODEL");
  if (!provider && !model) return undefined;
  if (!provider || !model) throw new ConfigError("CLAWBOX_DEFAULT_MODEL_PROVIDER and CLAWBOX_DEFAULT_MODEL must be set together");
  if (!(MODEL_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ConfigError(`CLAWBOX_DEFAULT_MODEL_PROVIDER must be one of ${MODEL_PROVIDERS.join(", ")}, got "${provider}"`);
  }
  const apiKey = str(env, "CLAWBOX_DEFAULT_MODEL_API_KEY");
  const baseUrl = str(env, "CLAWBOX_DEFAULT_MODEL_BASE_URL");
  const settings: ModelSettings = { provider: provider as ModelProvider, model, ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}) };
  try {
    return checkModelSettings(settings, "CLAWBOX_DEFAULT_MODEL");
  } catch (e) {
    throw new ConfigError(`CLAWBOX_DEFAULT_MODEL_*: ${(e as HttpError).message}`);
  }
}

export function loadConfig(env: Env = process.env): ApiConfig {
  const nodeEnv = str(env, "NODE_ENV") ?? "development";
  const production = nodeEnv === "production";
  const dataRoot = resolve(str(env, "CLAWBOX_DATA_DIR") ?? join(REPO_ROOT, ".data"));
  const apiDataDir = join(dataRoot, "api");
  const databaseUrl = str(env, "DATABASE_URL");
  const pgliteDir = str(env, "PGLITE_DIR") ?? join(dataRoot, "api-db");

  if (production && !databaseUrl) throw new ConfigError("DATABASE_URL is required when NODE_ENV=production");
  let jwtSecret = str(env, "JWT_SECRET");
  if (!jwtSecret) {
    if (production) throw new ConfigError("JWT_SECRET is required when NODE_ENV=production (openssl rand -base64 32)");
    jwtSecret = persistedSecret(apiDataDir, "jwt-secret");
  }
  if (jwtSecret.length < 32) throw new ConfigError("JWT_SECRET must be at least 32 characters");

  const managerApiKey = str(env, "MANAGER_API_KEY") ?? str(env, "OPENCLAW_MANAGER_API_KEY");
  if (!managerApiKey && production) throw new ConfigError("MANAGER_API_KEY is required when NODE_ENV=production");

  const openrouterManagementKey = str(env, "OPENROUTER_MANAGEMENT_KEY");
  const rawEncryptionKey = str(env, "ENCRYPTION_KEY");
  // Without ENCRYPTION_KEY (the guide's Step 6.5 Secret has none) the key is derived from
  // JWT_SECRET with HKDF under its own label; set ENCRYPTION_KEY to rotate the two separately.
  const encryptionKey = rawEncryptionKey
    ? encryptionKeyFrom(rawEncryptionKey)
    : Buffer.from(hkdfSync("sha256", jwtSecret, "clawbox-api", "openrouter-key-encryption", 32));

  return {
    nodeEnv,
    production,
    port: int(env, "PORT", 4000),
    host: str(env, "HOST") ?? (production ? "0.0.0.0" : "127.0.0.1"),
    databaseUrl,
    pgliteDir,
    migrateOnStart: bool(env, "MIGRATE_ON_START", !databaseUrl),
    jwtSecret,
    accessTokenTtlSeconds: int(env, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60, 1),
    refreshTokenTtlSeconds: int(env, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600, 1),
    managerUrl: (str(env, "MANAGER_URL") ?? "http://127.0.0.1:3000").replace(/\/+$/, ""),
    managerApiKey: managerApiKey ?? "",
    managerTimeoutMs: int(env, "MANAGER_TIMEOUT_MS", 30_000, 1),
    googleClientId: str(env, "GOOGLE_CLIENT_ID"),
    appleClientId: str(env, "APPLE_CLIENT_ID"),
    googleJwksUrl: str(env, "GOOGLE_JWKS_URL") ?? "https://www.googleapis.com/oauth2/v3/certs",
    appleJwksUrl: str(env, "APPLE_JWKS_URL") ?? "https://appleid.apple.com/auth/keys",
    revenuecatApiKey: str(env, "REVENUECAT_API_KEY"),
    revenuecatApiUrl: (str(env, "REVENUECAT_API_URL") ?? "https://api.revenuecat.com").replace(/\/+$/, ""),
    revenuecatWebhookSecret: str(env, "REVENUECAT_WEBHOOK_SECRET"),
    revenuecatEntitlement: str(env, "REVENUECAT_ENTITLEMENT") ?? "pro",
    entitlementCacheSeconds: int(env, "ENTITLEMENT_CACHE_SECONDS", 60),
    openrouterManagementKey,
    openrouterApiUrl: (str(env, "OPENROUTER_API_URL") ?? "https://openrouter.ai").replace(/\/+$/, ""),
    openrouterKeyLimit: int(env, "OPENROUTER_KEY_LIMIT", 5),
    openrouterDefaultModel: str(env, "OPENROUTER_DEFAULT_MODEL") ?? DEFAULT_OPENROUTER_MODEL,
    defaultModel: defaultModelFrom(env),
    encryptionKey,
    maxInstancesPerUser: int(env, "MAX_INSTANCES_PER_USER", 1, 0),
    authRateLimitPerMinute: int(env, "AUTH_RATE_LIMIT_PER_MINUTE", 20, 1),
    swaggerEnabled: !production,
    trustProxy: trustProxyFrom(env),
    loginFreeFailures: int(env, "LOGIN_FREE_FAILURES", 5, 1),
    loginMaxBackoffSeconds: int(env, "LOGIN_MAX_BACKOFF_SECONDS", 300, 1),
  };
}
