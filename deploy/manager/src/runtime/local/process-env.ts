import { dirname } from "node:path";
import { deriveInstanceToken } from "@clawbox/shared";
import type { InstanceLayout } from "./layout.ts";
import { readSecrets } from "./store.ts";

/**
 * The complete environment of an instance's processes: an allowlist, never the Manager's own
 * env (which holds the Manager API key). The gateway gets the instance's secrets and model key as
 * env variables, like the pod gets its Secret (envFrom).
 */
const PASS_ENV = ["LANG", "LC_ALL", "TZ", "NODE_EXTRA_CA_CERTS", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
/** OpenClaw's own start-up phase timings in the gateway log (docs/cold-start.md); no secrets in them. */
const PASS_GATEWAY_ENV = ["OPENCLAW_GATEWAY_STARTUP_TRACE"];

export function baseEnv(): NodeJS.ProcessEnv {
  // Node 24 (the Manager's own binary) first, so `node` in the entrypoint is the right one.
  const env: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin` };
  for (const k of PASS_ENV) if (process.env[k]) env[k] = process.env[k];
  return env;
}

export interface GatewayEnvInput {
  userId: string;
  layout: InstanceLayout;
  tokenSecret: string;
  openclawEntry: string;
  desktop: boolean;
  /** The instance's /tmp: its own host dir unsandboxed, the private /tmp in the sandbox. */
  tmpDir: string;
  /** Node's compile cache on the instance's state dir (LOCAL_COMPILE_CACHE other than "off"). */
  compileCache: boolean;
  /** CLAWBOX_INSTANCE_PROXY: replaces whatever proxy the Manager's own env passes on. */
  proxy?: string;
}

/**
 * The operator's proxy for the assistant's outbound traffic, in the variables OpenClaw and the
 * WhatsApp transport read. Loopback stays direct: the gateway's own ports, its agent, and model
 * servers on this machine.
 */
export function proxyEnv(proxy: string | undefined): NodeJS.ProcessEnv {
  if (!proxy) return {};
  const direct = "localhost,127.0.0.1,::1";
  return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: direct, no_proxy: direct };
}

/**
 * Node's compile cache (V8 code cache of every module the gateway loads) kept on the state volume,
 * so a restart or wake skips compiling what the last run compiled; OpenClaw keys it by its own
 * version below this dir. Off: Node's documented switch, which OpenClaw's launcher also honours.
 */
export function compileCacheEnv(layout: InstanceLayout, enabled: boolean): NodeJS.ProcessEnv {
  return enabled ? { NODE_COMPILE_CACHE: layout.compileCacheDir } : { NODE_DISABLE_COMPILE_CACHE: "1" };
}

export function gatewayEnv(i: GatewayEnvInput): NodeJS.ProcessEnv {
  const { layout } = i;
  const trace: NodeJS.ProcessEnv = {};
  for (const k of PASS_GATEWAY_ENV) if (process.env[k]) trace[k] = process.env[k];
  return {
    ...baseEnv(),
    ...trace,
    // instance secrets -> gateway env (the Secret's envFrom), then the model key.
    ...readSecrets(layout.secretsFile),
    ...readSecrets(layout.modelSecretFile),
    // After the secrets: a user's secret named HTTPS_PROXY does not route around the operator's proxy.
    ...proxyEnv(i.proxy),
    OPENCLAW_STATE_DIR: layout.stateDir,
    OPENCLAW_CONFIG_PATH: layout.configFile,
    OPENCLAW_CONFIG_SEED: layout.configSeedFile,
    OPENCLAW_STATE_SEED: "",
    CLAWBOX_HOME: layout.homeDir,
    CLAWBOX_TMPDIR: i.tmpDir,
    CLAWBOX_LOG_DIR: layout.logsDir,
    OPENCLAW_GATEWAY_PORT: String(layout.ports.gateway),
    OPENCLAW_GATEWAY_TOKEN: deriveInstanceToken(i.tokenSecret, "gateway", i.userId),
    OPENCLAW_ENTRY: i.openclawEntry,
    NODE_BIN: process.execPath,
    CLAWBOX_DESKTOP: i.desktop ? "auto" : "off",
    CLAWBOX_DISPLAY: layout.display,
    VNC_PORT: String(layout.ports.vnc),
    NOVNC_PORT: String(layout.ports.websockify),
    NOVNC_BIND: "127.0.0.1",
    ...compileCacheEnv(layout, i.compileCache),
  };
}

/** `proxy`: the gateway's (CLAWBOX_INSTANCE_PROXY), for the agent's WhatsApp reachability check. */
export function agentEnv(userId: string, layout: InstanceLayout, tokenSecret: string, proxy?: string): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    ...proxyEnv(proxy),
    AGENT_PORT: String(layout.ports.agent),
    AGENT_HOST: "127.0.0.1",
    AGENT_TOKEN: deriveInstanceToken(tokenSecret, "agent", userId),
    GATEWAY_URL: `ws://127.0.0.1:${layout.ports.gateway}`,
    OPENCLAW_GATEWAY_TOKEN: deriveInstanceToken(tokenSecret, "gateway", userId),
    OPENCLAW_STATE_DIR: layout.stateDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  };
}
