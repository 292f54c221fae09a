/**
 * The agent's one config loader. Env (ARCHITECTURE.md "Pod agent API"):
 *   AGENT_PORT (3100), AGENT_HOST (0.0.0.0; the local runtime uses 127.0.0.1),
 *   AGENT_TOKEN (required; CLAWBOX_AGENT_TOKEN is accepted too, it is the Secret's key),
 *   GATEWAY_URL (ws://127.0.0.1:18789), OPENCLAW_GATEWAY_TOKEN (required),
 *   OPENCLAW_STATE_DIR (/home/node/.openclaw; screenshots are read only from under it),
 *   AGENT_RPC_TIMEOUT_MS (30000): default timeout of a relayed call,
 *   HTTPS_PROXY / https_proxy and NO_PROXY / no_proxy: the proxy the gateway's outbound traffic
 *   takes (the local runtime's CLAWBOX_INSTANCE_PROXY), so the WhatsApp preflight asks the same way.
 */
export interface AgentConfig {
  port: number;
  host: string;
  agentToken: string;
  gatewayUrl: string;
  gatewayToken: string;
  stateDir: string;
  rpcTimeoutMs: number;
  /** The gateway's outbound proxy (http://host:port), if any. */
  egressProxy?: string;
  /** Hosts (or .domains) reached directly despite the proxy. */
  noProxy: string[];
}

type Env = Record<string, string | undefined>;

export function loadAgentConfig(env: Env = process.env): AgentConfig {
  const need = (name: string, value: string | undefined) => {
    if (!value) throw new Error(`agent: ${name} is required`);
    return value;
  };
  const port = Number(env.AGENT_PORT ?? 3100);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`agent: AGENT_PORT must be a TCP port, got ${env.AGENT_PORT}`);
  const gatewayUrl = env.GATEWAY_URL ?? "ws://127.0.0.1:18789";
  const host = new URL(gatewayUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    // The gateway grants operator scopes only to loopback connections.
    throw new Error(`agent: GATEWAY_URL must be a loopback address, got ${gatewayUrl}`);
  }
  return {
    port,
    host: env.AGENT_HOST ?? "0.0.0.0",
    agentToken: need("AGENT_TOKEN", env.AGENT_TOKEN ?? env.CLAWBOX_AGENT_TOKEN),
    gatewayUrl,
    gatewayToken: need("OPENCLAW_GATEWAY_TOKEN", env.OPENCLAW_GATEWAY_TOKEN),
    stateDir: env.OPENCLAW_STATE_DIR ?? "/home/node/.openclaw",
    rpcTimeoutMs: Number(env.AGENT_RPC_TIMEOUT_MS ?? 30_000),
    ...((env.HTTPS_PROXY ?? env.https_proxy) ? { egressProxy: env.HTTPS_PROXY ?? env.https_proxy } : {}),
    noProxy: (env.NO_PROXY ?? env.no_proxy ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
  };
}
