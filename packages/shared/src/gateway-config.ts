/**
 * The gateway's seed config (`openclaw.json`), one builder for both runtimes: the Kubernetes
 * runtime puts it in the instance ConfigMap (copied onto the volume on first start), the local
 * runtime writes it into the instance's state dir. Secrets never go in here: the gateway token
 * comes from the env (OPENCLAW_GATEWAY_TOKEN), so the ConfigMap holds nothing sensitive.
 * Keys follow /work/shared/reference/openclaw-gateway.md §3 and gateway-desktop.md §1-2.
 */
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
  /** Load the preinstalled @openclaw/whatsapp plugin. Default true. */
  whatsapp?: boolean;
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
}

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";
export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 800 } as const;

export function buildGatewayConfig(opts: GatewayConfigOptions): GatewayConfig {
  const size = opts.browser?.windowSize ?? DEFAULT_WINDOW_SIZE;
  return {
    gateway: { mode: "local", bind: "loopback", port: opts.port, auth: { mode: "token" } },
    logging: { file: opts.logFile },
    browser: {
      enabled: true,
      headless: opts.browser?.headless ?? false,
      noSandbox: opts.browser?.noSandbox ?? false,
      executablePath: opts.browser?.executablePath ?? DEFAULT_CHROMIUM_PATH,
      defaultProfile: "openclaw",
      extraArgs: ["--window-position=0,0", `--window-size=${size.width},${size.height}`],
    },
    plugins: { entries: { whatsapp: { enabled: opts.whatsapp ?? true } } },
  };
}
