/**
 * The gateway's seed config (`openclaw.json`), one builder for both runtimes: the Kubernetes
 * runtime puts it in the instance ConfigMap (copied onto the volume on first start), the local
 * runtime writes it into the instance's state dir. Secrets never go in here: the gateway token
 * comes from the env (OPENCLAW_GATEWAY_TOKEN), so the ConfigMap holds nothing sensitive.
 * Keys follow the gateway notes in shared/reference (openclaw-gateway.md §3, gateway-desktop.md §1-2).
 *
 * The platform owns some keys (the list is in deploy/scripts/apply-managed-config.mjs): the
 * entrypoint re-applies them from the seed on every start, so a model or Telegram API root change reaches an instance whose config
 * already lives on its volume, while everything the assistant or its user changed is kept.
 */
import { buildModelConfig, type GatewayModel, type GatewayModelConfig, type ProviderBaseUrls } from "./gateway-model-config.ts";
export interface GatewayConfigOptions {
  /** Loopback port of the gateway (18789 in pods; a per-instance block port locally). */
  port: number;
  /** File log path; must be on the instance's own volume (the default /tmp/openclaw log is shared). */
  logFile: string;
  browser?: {
    /** Chromium on the Xvfb display (false) or headless (true). Default false. */
    headless?: boolean;
    /** Chromium refuses its sandbox as root; pods run as uid 1000 so they keep it. Default false. */
    noSandbox?: boolean;
    executablePath?: string;
    /** Window size: no window manager runs, so without it Chromium opens at 1050x780+10+10. */
    windowSize?: { width: number; height: number };
  };
  /**
   * Load the preinstalled @openclaw/whatsapp plugin. Default false: loaded, it is about 12 s of
   * every gateway start, so the Manager turns it on when the user first asks for a QR code
   * (deploy/manager/src/gateway/whatsapp-plugin.ts); the entry stays, so that is one config write.
   */
  whatsapp?: boolean;
  /** The assistant's model; without it the gateway has none and chat answers "no model". */
  model?: GatewayModel;
  /** Operator overrides of the built-in providers' endpoints. */
  providerBaseUrls?: ProviderBaseUrls;
  /** Telegram Bot API root (a self-hosted Bot API server); default api.telegram.org. */
  telegramApiRoot?: string;
}

export interface GatewayConfig {
  gateway: { mode: "local"; bind: "loopback"; port: number; auth: { mode: "token" } };
  logging: { file: string };
  browser: {
    enabled: true;
    headless: boolean;
    noSandbox: boolean;
    executablePath: string;
    defaultProfile: "openclaw";
    extraArgs: string[];
  };
  plugins: { entries: { whatsapp: { enabled: boolean } } };
  models?: GatewayModelConfig["models"];
  agents?: GatewayModelConfig["agents"];
  channels?: { telegram: { apiRoot: string; network?: { dangerouslyAllowPrivateNetwork: true } } };
}


export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";
export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 800 } as const;

export function buildGatewayConfig(opts: GatewayConfigOptions): GatewayConfig {
  const size = opts.browser?.windowSize ?? DEFAULT_WINDOW_SIZE;
  const model = opts.model ? buildModelConfig(opts.model, opts.providerBaseUrls) : undefined;
  const config: GatewayConfig = {
    gateway: { mode: "local", bind: "loopback", port: opts.port, auth: { mode: "token" } },
    logging: { file: opts.logFile },
    browser: {
      enabled: true,
      headless: opts.browser?.headless ?? false,
      noSandbox: opts.browser?.noSandbox ?? false,
      executablePath: opts.browser?.executablePath ?? DEFAULT_CHROMIUM_PATH,
      defaultProfile: "openclaw",
      // "about:blank" as the start page: without one Chromium opens its New Tab page a moment after
      // launch, sometimes over the tab OpenClaw just opened. That tab is then hidden, a hidden tab
      // never paints, and every screenshot of it times out (CDP Page.captureScreenshot).
      extraArgs: ["--window-position=0,0", `--window-size=${size.width},${size.height}`, "about:blank"],
    },
    plugins: { entries: { whatsapp: { enabled: opts.whatsapp ?? false } } },
  };
  if (model?.models) config.models = model.models;
  if (model) config.agents = model.agents;
  if (opts.telegramApiRoot) {
    // A self-hosted Bot API server usually sits on a private address, which the channel's
    // SSRF guard refuses unless told; the operator configured it, so it is trusted.
    const isPrivate = isPrivateHost(new URL(opts.telegramApiRoot).hostname);
    config.channels = { telegram: { apiRoot: opts.telegramApiRoot, ...(isPrivate ? { network: { dangerouslyAllowPrivateNetwork: true as const } } : {}) } };
  }
  return config;
}

function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h) || /^10\./.test(h) || /^192\.168\./.test(h) || /^172\.(1[6-9]|2\d|3[01])\./.test(h) || !h.includes(".");
}

/**
 * The config file's text: keys sorted at every level, 2-space indent. Sorted so the Helm chart
 * can produce the very same text with `toPrettyJson` (Go sorts map keys) from its own values.
 */
export function gatewayConfigText(config: GatewayConfig): string {
  return `${JSON.stringify(sortKeys(config), null, 2)}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
