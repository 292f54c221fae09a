/** Ports and paths of an instance pod (ARCHITECTURE.md "An instance"), in one place. */
export const GATEWAY_PORT = 18789;
export const AGENT_PORT = 3100;
export const NOVNC_PORT = 6080;

export const STATE_DIR = "/home/node/.openclaw";
export const HOME_DIR = `${STATE_DIR}/home`;
export const CONFIG_PATH = `${STATE_DIR}/openclaw.json`;
export const LOG_FILE = `${STATE_DIR}/logs/gateway.log`;
/** NODE_COMPILE_CACHE on the PVC, not /tmp (an emptyDir): a restarted or woken pod reuses the last run's compiled code. */
export const COMPILE_CACHE_DIR = `${STATE_DIR}/cache/node-compile-cache`;
/**
 * The ConfigMap is mounted here; deploy/scripts/gke-entrypoint.sh copies OPENCLAW_CONFIG_SEED
 * (its default: /etc/openclaw/openclaw.json) to CONFIG_PATH when that is missing.
 */
export const SEED_DIR = "/etc/openclaw";
export const SEED_CONFIG = `${SEED_DIR}/openclaw.json`;
export const CONFIG_MAP_KEY = "openclaw.json";

export const POD_UID = 1000;
export const TERMINATION_GRACE_SECONDS = 60;

export const SECRET_KEYS = { gatewayToken: "OPENCLAW_GATEWAY_TOKEN", agentToken: "CLAWBOX_AGENT_TOKEN" } as const;

/** The agent sidecar is a small relay: fixed, small resources. */
export const AGENT_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "250m", memory: "256Mi" },
} as const;

/** Probe paths on the agent port; the agent relays them to the gateway's own probes. */
export const PROBES = { startup: "/gateway/startupz", readiness: "/gateway/startupz", liveness: "/gateway/healthz", agent: "/healthz" } as const;

/**
 * The pod's Chromium settings in the gateway config (ConfigMap and the chart's template). noSandbox:
 * Chromium's own sandbox needs a user namespace (or a setuid helper); in the pod (uid 1000, no
 * capabilities, no privilege escalation, RuntimeDefault seccomp) unshare(CLONE_NEWUSER) is refused,
 * so with its sandbox on Chromium never starts (seen on the test cluster's real node: "Failed to
 * start Chrome CDP"). The pod's own confinement is the browser's sandbox here.
 */
export const POD_BROWSER = { noSandbox: true } as const;
