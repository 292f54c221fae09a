/**
 * THE Manager config loader: every env var the Manager reads is read here, once, into one plain
 * typed object (deployment guide Step 7 table, plus the runtime switch and the local runtime's
 * settings from ARCHITECTURE.md). Anything invalid stops the start with a message naming the variable.
 */
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MIN_IDLE_STOP_MS, parseDuration, parseQuantity, type ProviderBaseUrls } from "@clawbox/shared";

export type RuntimeKind = "kubernetes" | "local";

export interface ManagerConfig {
  port: number;
  host: string;
  /** OPENCLAW_MANAGER_API_KEY: the Bearer key of every non-public route. */
  apiKey: string;
  /**
   * OPENCLAW_TOKEN_SECRET: HMAC key of the per-instance tokens. Required with the kubernetes
   * runtime, and never the API key: the App API holds the API key too, and whoever has the token
   * secret can talk to every instance's agent. Local runtime only: the API key when unset (one
   * machine, both in the same data dir; development, not a separation).
   */
  tokenSecret: string;
  runtime: RuntimeKind;
  /** Settings every instance's gateway gets, in both runtimes. */
  gateway: {
    /** CLAWBOX_TELEGRAM_API_ROOT: Telegram Bot API root (a self-hosted Bot API server); empty = api.telegram.org. */
    telegramApiRoot?: string;
    /** CLAWBOX_{OPENROUTER,ANTHROPIC,OPENAI}_BASE_URL: endpoints of the built-in model providers (a company proxy). */
    providerBaseUrls: ProviderBaseUrls;
  };
  /** Sleeping assistants (issue 14; DEPLOY.md "Sleep and wake"). */
  sleep: {
    /** CLAWBOX_IDLE_STOP_AFTER (30m): idle time before an instance sleeps; 0 = never. Per instance: its sleep policy. */
    idleStopAfterMs: number;
    /** CLAWBOX_CRON_WAKE_LEAD (2m): a sleeping instance wakes this long before its next cron job; a job due sooner keeps it awake. */
    cronWakeLeadMs: number;
    /** CLAWBOX_WAKE_TIMEOUT (60s): how long a request for a sleeping instance waits for it to run, and a gateway call for a restarting gateway. */
    wakeTimeoutMs: number;
    /**
     * CLAWBOX_AWAKE_MEMORY ("auto"): how much memory the awake instances may use together, local
     * runtime only. A wake or a create that would go over it first puts the instance idle the
     * longest to sleep (gateway/sleep/pressure.ts). "auto": the machine's memory less 2 GiB for
     * the platform; "off" (or 0): no limit, the only one on Kubernetes, where the scheduler places pods.
     */
    awakeMemoryBytes: number;
    /** CLAWBOX_IDLE_STOP_UNDER_PRESSURE (10m): how long an instance must be idle before memory pressure may put it to sleep. */
    pressureIdleMs: number;
  };
  kubernetes: {
    /** OPENCLAW_NAMESPACE: where the instances live (and only there the Manager has rights). */
    namespace: string;
    /**
     * OPENCLAW_MANAGER_NAMESPACE: the platform's namespace (the Manager's own pods). Instance
     * NetworkPolicies admit the Manager's pods from this namespace only, so a pod in the instance
     * namespace that copies the Manager's label gets nowhere.
     */
    managerNamespace: string;
    imageRepo: string;
    imageTag: string;
    ingressEnabled: boolean;
    domainBase: string;
    /** PVC storageClassName; empty = the cluster default. */
    storageClass: string;
    storageSize: string;
    /** Path of a kubeconfig file; empty = in-cluster config (or ~/.kube/config outside a cluster). */
    kubeconfigPath: string;
    /**
     * OPENCLAW_NODE_SELECTOR ("k=v,k2=v2") and OPENCLAW_TOLERATIONS ("key=value:Effect,key:Effect"):
     * where instance pods may run (a dedicated node pool; the test cluster's real node). Empty = anywhere.
     */
    placement: Placement;
    /** CLAWBOX_RECONCILE_INTERVAL_MS: time between the reconciler's passes over leftovers (0 = off). */
    reconcileIntervalMs: number;
    /** CLAWBOX_RECONCILE_GRACE_MS: how old a user's objects must be before the reconciler may remove them. */
    reconcileGraceMs: number;
  };
  local: {
    dataDir: string;
    portBase: number;
    /** LOCAL_STOP_GRACE_MS: SIGTERM -> SIGKILL grace when stopping a local instance (default 30000). */
    stopGraceMs: number;
    /** CLAWBOX_DESKTOP: "auto" (live browser view when Xvfb etc. are installed) or "off". */
    desktop: "auto" | "off";
    /**
     * CLAWBOX_UNSAFE_NO_SANDBOX=1: run instances without their sandbox (own uid, mount view,
     * cgroup limits, port rules), e.g. on a machine that cannot provide one. Off by default: a
     * Manager that cannot sandbox then refuses to start and names what is missing.
     */
    unsafeNoSandbox: boolean;
    /** LOCAL_SANDBOX_UID_BASE: instance i runs as host uid/gid base+i (default 2000000, above common subuid ranges). */
    sandboxUidBase: number;
    /** LOCAL_PIDS_LIMIT: processes+threads per instance (cgroup pids.max; default 4096). */
    pidsLimit: number;
    /** LOCAL_START_CONCURRENCY: gateways cold-starting at once (default: half the cores, at least 1). */
    startConcurrency: number;
    /** LOCAL_RESTART_BACKOFF_MS / LOCAL_RESTART_BACKOFF_MAX_MS: crash restart delay, doubled per crash (1 s .. 5 min). */
    restartBackoffMs: number;
    restartBackoffMaxMs: number;
    /**
     * LOCAL_COMPILE_CACHE (docs/cold-start.md): "volume" (default) keeps Node's compile cache on
     * each instance's state dir; "warm" also gives new instances a cache warmed once per data root
     * (one extra gateway start per data root); "off" runs without it (the benchmark's baseline).
     */
    compileCache: CompileCacheMode;
    /**
     * CLAWBOX_INSTANCE_PROXY: an HTTP proxy for every assistant's outbound traffic (its gateway gets
     * HTTP(S)_PROXY, which OpenClaw and its WhatsApp transport honour, and NO_PROXY for loopback),
     * e.g. an allowlisting egress proxy; the Manager's own traffic does not use it. Unset: the
     * assistants inherit the Manager's own HTTP(S)_PROXY, if any. No credentials in it: every
     * assistant can read its own environment.
     */
    instanceProxy?: string;
    /** LOCAL_STOP_INSTANCES_ON_EXIT=1: a Manager shutdown stops every instance (`npm start`); default: they keep running for the next Manager. */
    stopInstancesOnExit: boolean;
  };
}

export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal" | "Exists"; value?: string; effect: string }[];
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
/** The platform's namespace in the guide's manifests (deploy/manager/k8s, deploy/api/k8s). */
export const DEFAULT_MANAGER_NAMESPACE = "clawbox-system";
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

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function nodeSelector(env: Env): Placement["nodeSelector"] {
  const out: Record<string, string> = {};
  for (const item of str(env, "OPENCLAW_NODE_SELECTOR", "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k = "", v = "", ...rest] = item.split("=");
    if (!item.includes("=") || rest.length || !LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) {
      throw new ConfigError("OPENCLAW_NODE_SELECTOR", `must be label=value pairs separated by commas, got ${JSON.stringify(item)}`);
    }
    out[k] = v;
  }
  return out;
}

function tolerations(env: Env): Placement["tolerations"] {
  return str(env, "OPENCLAW_TOLERATIONS", "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = item.match(/^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/);
      if (!m || !LABEL_KEY.test(m[1]!) || (m[2] !== undefined && !LABEL_VALUE.test(m[2]))) {
        throw new ConfigError("OPENCLAW_TOLERATIONS", `must be key=value:Effect or key:Effect items separated by commas, got ${JSON.stringify(item)}`);
      }
      return m[2] === undefined
        ? { key: m[1]!, operator: "Exists" as const, effect: m[3]! }
        : { key: m[1]!, operator: "Equal" as const, value: m[2], effect: m[3]! };
    });
}

function dns1123Label(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)) throw new ConfigError(name, `must be a DNS-1123 label, got ${JSON.stringify(v)}`);
  return v;
}

function tokenSecret(env: Env, runtime: RuntimeKind, apiKey: string): string {
  const v = str(env, "OPENCLAW_TOKEN_SECRET", "");
  if (runtime === "kubernetes") {
    if (!v) {
      throw new ConfigError(
        "OPENCLAW_TOKEN_SECRET",
        "is required with OPENCLAW_RUNTIME=kubernetes (the HMAC key of the instance tokens; in Kubernetes it comes from Secret openclaw-manager key TOKEN_SECRET, e.g. openssl rand -base64 32)",
      );
    }
    if (v === apiKey) {
      throw new ConfigError("OPENCLAW_TOKEN_SECRET", "must differ from OPENCLAW_MANAGER_API_KEY (the App API holds the API key; the token secret opens every instance)");
    }
  }
  // Local runtime (one machine, `npm start`): the API key, as before. Documented as dev only.
  return v || apiKey;
}

/** A duration (`30m`, `90s`, `2h`, `0`), the contract's one parser. */
function duration(env: Env, name: string, fallback: string, min = 0): number {
  const raw = str(env, name, fallback);
  const ms = parseDuration(raw);
  if (ms === null) throw new ConfigError(name, `must be a duration such as 30m, 90s or 2h (0 = off), got ${JSON.stringify(raw)}`);
  if (ms !== 0 && ms < min) throw new ConfigError(name, `must be 0 (off) or at least ${min / 1000}s, got ${JSON.stringify(raw)}`);
  return ms;
}

/** The platform's own share of the machine when CLAWBOX_AWAKE_MEMORY is "auto" (Manager, App API, database). */
const PLATFORM_RESERVE_BYTES = 2 * 2 ** 30;

function awakeMemory(env: Env, runtime: RuntimeKind): number {
  const name = "CLAWBOX_AWAKE_MEMORY";
  const raw = str(env, name, "auto");
  if (raw === "off" || raw === "0") return 0;
  if (runtime === "kubernetes") {
    if (raw === "auto") return 0;
    throw new ConfigError(name, `applies to the local runtime only (on Kubernetes the scheduler places pods by their requests); use "auto" or "off", got ${JSON.stringify(raw)}`);
  }
  if (raw === "auto") return Math.max(0, totalmem() - PLATFORM_RESERVE_BYTES);
  const bytes = parseQuantity(raw);
  if (bytes === null || bytes < 2 ** 20) throw new ConfigError(name, `must be "auto", "off" or a memory quantity of at least 1Mi such as 20Gi or 12000Mi, got ${JSON.stringify(raw)}`);
  return Math.floor(bytes);
}

function proxyUrl(env: Env, name: string): string | undefined {
  const url = httpUrl(env, name);
  const parsed = url ? new URL(url) : undefined;
  if (parsed && (parsed.username || parsed.password)) {
    throw new ConfigError(name, "must not carry credentials (user:password@): every assistant can read its own environment; use a proxy that admits this machine by address");
  }
  return url;
}

function desktopMode(env: Env): "auto" | "off" {
  const v = str(env, "CLAWBOX_DESKTOP", "auto");
  if (v !== "auto" && v !== "off") throw new ConfigError("CLAWBOX_DESKTOP", `must be "auto" or "off", got ${JSON.stringify(v)}`);
  return v;
}

export type CompileCacheMode = "off" | "volume" | "warm";

function compileCacheMode(env: Env): CompileCacheMode {
  const v = str(env, "LOCAL_COMPILE_CACHE", "volume");
  if (v !== "off" && v !== "volume" && v !== "warm") throw new ConfigError("LOCAL_COMPILE_CACHE", `must be "off", "volume" or "warm", got ${JSON.stringify(v)}`);
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
  const namespace = dns1123Label(env, "OPENCLAW_NAMESPACE", "openclaw");
  const imageTag = str(env, "OPENCLAW_IMAGE_TAG", "latest");
  // A tag, or a manifest digest (sha256:<64 hex>) to pin the image: repo@sha256:...
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag) && !/^sha256:[0-9a-f]{64}$/.test(imageTag)) {
    throw new ConfigError("OPENCLAW_IMAGE_TAG", `must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a digest (sha256:<64 hex>), got ${JSON.stringify(imageTag)}`);
  }
  const portBase = port(env, "LOCAL_PORT_BASE", 20000);
  return {
    port: port(env, "PORT", 3000),
    host: str(env, "HOST", "0.0.0.0"),
    apiKey,
    tokenSecret: tokenSecret(env, runtime, apiKey),
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
    sleep: {
      idleStopAfterMs: duration(env, "CLAWBOX_IDLE_STOP_AFTER", "30m", MIN_IDLE_STOP_MS),
      cronWakeLeadMs: duration(env, "CLAWBOX_CRON_WAKE_LEAD", "2m"),
      wakeTimeoutMs: duration(env, "CLAWBOX_WAKE_TIMEOUT", "60s", 1000),
      awakeMemoryBytes: awakeMemory(env, runtime),
      pressureIdleMs: duration(env, "CLAWBOX_IDLE_STOP_UNDER_PRESSURE", "10m", MIN_IDLE_STOP_MS),
    },
    kubernetes: {
      namespace,
      managerNamespace: dns1123Label(env, "OPENCLAW_MANAGER_NAMESPACE", DEFAULT_MANAGER_NAMESPACE),
      imageRepo: str(env, "OPENCLAW_IMAGE_REPO", DEFAULT_IMAGE_REPO),
      imageTag,
      ingressEnabled: bool(env, "OPENCLAW_INGRESS_ENABLED", false),
      domainBase: str(env, "OPENCLAW_DOMAIN_BASE", "openclaw.zazz.buzz"),
      storageClass: str(env, "OPENCLAW_STORAGE_CLASS", ""),
      storageSize: str(env, "OPENCLAW_STORAGE_SIZE", "10Gi"),
      kubeconfigPath: str(env, "KUBECONFIG", ""),
      placement: { nodeSelector: nodeSelector(env), tolerations: tolerations(env) },
      reconcileIntervalMs: millis(env, "CLAWBOX_RECONCILE_INTERVAL_MS", 60_000),
      // A create takes seconds; two minutes leaves room for one still applying on another Manager.
      reconcileGraceMs: millis(env, "CLAWBOX_RECONCILE_GRACE_MS", 120_000),
    },
    local: {
      dataDir: str(env, "CLAWBOX_DATA_DIR", join(REPO_ROOT, ".data")),
      portBase,
      stopGraceMs: millis(env, "LOCAL_STOP_GRACE_MS", 30_000),
      desktop: desktopMode(env),
      unsafeNoSandbox: bool(env, "CLAWBOX_UNSAFE_NO_SANDBOX", false),
      sandboxUidBase: nonNegativeInt(env, "LOCAL_SANDBOX_UID_BASE", 2_000_000),
      pidsLimit: nonNegativeInt(env, "LOCAL_PIDS_LIMIT", 4096),
      startConcurrency: nonNegativeInt(env, "LOCAL_START_CONCURRENCY", Math.max(1, Math.floor(availableParallelism() / 2))) || 1,
      restartBackoffMs: millis(env, "LOCAL_RESTART_BACKOFF_MS", 1000),
      restartBackoffMaxMs: millis(env, "LOCAL_RESTART_BACKOFF_MAX_MS", 300_000),
      stopInstancesOnExit: bool(env, "LOCAL_STOP_INSTANCES_ON_EXIT", false),
      compileCache: compileCacheMode(env),
      instanceProxy: proxyUrl(env, "CLAWBOX_INSTANCE_PROXY"),
    },
  };
}
