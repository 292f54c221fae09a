/**
 * THE Manager config loader: every env var the Manager reads is read here, once, into one plain
 * typed object (deployment guide Step 7 table, plus the runtime switch and the local runtime's
 * settings from ARCHITECTURE.md). Anything invalid stops the start with a message naming the variable.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProviderBaseUrls } from "@clawbox/shared";

export type RuntimeKind = "kubernetes" | "local";

export interface ManagerConfig {
  port: number;
  host: string;
  /** OPENCLAW_MANAGER_API_KEY: the Bearer key of every non-public route. */
  apiKey: string;
  /** OPENCLAW_TOKEN_SECRET: HMAC key of the per-instance tokens (default: the API key). */
  tokenSecret: string;
  runtime: RuntimeKind;
  /** Settings every instance's gateway gets, in both runtimes. */
  gateway: {
    /** CLAWBOX_TELEGRAM_API_ROOT: Telegram Bot API root (a self-hosted Bot API server); empty = api.telegram.org. */
    telegramApiRoot?: string;
    /** CLAWBOX_{OPENROUTER,ANTHROPIC,OPENAI}_BASE_URL: endpoints of the built-in model providers (a company proxy). */
    providerBaseUrls: ProviderBaseUrls;
  };
  kubernetes: {
    namespace: string;
    imageRepo: string;
    imageTag: string;
    ingressEnabled: boolean;
    domainBase: string;
    /** PVC storageClassName; empty = the cluster default. */
    storageClass: string;
    storageSize: string;
    /** Path of a kubeconfig file; empty = in-cluster config (or ~/.kube/config outside a cluster). */
    kubeconfigPath: string;
    /** CLAWBOX_RECONCILE_INTERVAL_MS: time between the reconciler's passes over leftovers (0 = off). */
    reconcileIntervalMs: number;
  };
  local: {
    dataDir: string;
    portBase: number;
    /** LOCAL_STOP_GRACE_MS: SIGTERM -> SIGKILL grace when stopping a local instance (default 30000). */
    stopGraceMs: number;
    /** CLAWBOX_DESKTOP: "auto" (live browser view when Xvfb etc. are installed) or "off". */
    desktop: "auto" | "off";
  };
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`Invalid Manager configuration: ${variable} ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

export const DEFAULT_IMAGE_REPO = "us-central1-docker.pkg.dev/learneroid/openclaw/openclaw-gke";
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v.trim() === "" ? fallback : v.trim();
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = str(env, name, String(fallback)).toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ConfigError(name, `must be "true" or "false", got ${JSON.stringify(env[name])}`);
}

function port(env: Env, name: string, fallback: number): number {
  const raw = str(env, name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(name, `must be a TCP port (1-65535), got ${JSON.stringify(raw)}`);
  return n;
}

function millis(env: Env, name: string, fallback: number): number {
  const raw = str(env, name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(name, `must be a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  return n;
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = str(env, name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(name, `must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

function httpUrl(env: Env, name: string): string | undefined {
  const v = str(env, name, "");
  if (!v) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(v)}`);
  return v.replace(/\/+$/, "");
}

function desktopMode(env: Env): "auto" | "off" {
  const v = str(env, "CLAWBOX_DESKTOP", "auto");
  if (v !== "auto" && v !== "off") throw new ConfigError("CLAWBOX_DESKTOP", `must be "auto" or "off", got ${JSON.stringify(v)}`);
  return v;
}

export function loadConfig(env: Env = process.env): ManagerConfig {
  const apiKey = env.OPENCLAW_MANAGER_API_KEY?.trim() ?? "";
  if (!apiKey) {
    throw new ConfigError(
      "OPENCLAW_MANAGER_API_KEY",
      "is required (the Bearer key every Manager API call must carry; in Kubernetes it comes from Secret openclaw-manager key API_KEY)",
    );
  }
  const runtime = str(env, "OPENCLAW_RUNTIME", "local");
  if (runtime !== "kubernetes" && runtime !== "local") {
    throw new ConfigError("OPENCLAW_RUNTIME", `must be "kubernetes" or "local", got ${JSON.stringify(runtime)}`);
  }
  const namespace = str(env, "OPENCLAW_NAMESPACE", "openclaw");
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new ConfigError("OPENCLAW_NAMESPACE", `must be a DNS-1123 label, got ${JSON.stringify(namespace)}`);
  }
  const imageTag = str(env, "OPENCLAW_IMAGE_TAG", "latest");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag)) {
    throw new ConfigError("OPENCLAW_IMAGE_TAG", `must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), got ${JSON.stringify(imageTag)}`);
  }
  const portBase = port(env, "LOCAL_PORT_BASE", 20000);
  return {
    port: port(env, "PORT", 3000),
    host: str(env, "HOST", "0.0.0.0"),
    apiKey,
    tokenSecret: str(env, "OPENCLAW_TOKEN_SECRET", apiKey),
    runtime,
    gateway: {
      telegramApiRoot: httpUrl(env, "CLAWBOX_TELEGRAM_API_ROOT"),
      providerBaseUrls: Object.fromEntries(
        (["openrouter", "anthropic", "openai"] as const).flatMap((p) => {
          const url = httpUrl(env, `CLAWBOX_${p.toUpperCase()}_BASE_URL`);
          return url ? [[p, url]] : [];
        }),
      ),
    },
    kubernetes: {
      namespace,
      imageRepo: str(env, "OPENCLAW_IMAGE_REPO", DEFAULT_IMAGE_REPO),
      imageTag,
      ingressEnabled: bool(env, "OPENCLAW_INGRESS_ENABLED", false),
      domainBase: str(env, "OPENCLAW_DOMAIN_BASE", "openclaw.zazz.buzz"),
      storageClass: str(env, "OPENCLAW_STORAGE_CLASS", ""),
      storageSize: str(env, "OPENCLAW_STORAGE_SIZE", "10Gi"),
      kubeconfigPath: str(env, "KUBECONFIG", ""),
      reconcileIntervalMs: millis(env, "CLAWBOX_RECONCILE_INTERVAL_MS", 60_000),
    },
    local: {
      dataDir: str(env, "CLAWBOX_DATA_DIR", join(REPO_ROOT, ".data")),
      portBase,
      stopGraceMs: millis(env, "LOCAL_STOP_GRACE_MS", 30_000),
      desktop: desktopMode(env),
    },
  };
}
