/**
 * Where the API server is and how to authenticate to it, without loading @kubernetes/client-node
 * (importing it costs ~80 MiB of RSS, more than the whole cache of 1,000 instances). Covers what
 * the Manager meets in practice:
 *   - in a pod: the ServiceAccount token file (re-read, it rotates), CA and KUBERNETES_SERVICE_HOST;
 *   - a JSON kubeconfig (the test cluster's) with token, token file or client certificate.
 * Anything else (YAML kubeconfigs, exec or auth-provider plugins, as on a laptop with gcloud) falls
 * back to client-node's KubeConfig, loaded only then.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

export interface KubeAuth {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  /** Headers for one request (Authorization); called per request so rotated tokens are picked up. */
  headers(): Promise<Record<string, string>>;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_REREAD_MS = 60_000;

function tokenFile(path: string): () => Promise<Record<string, string>> {
  let token = "";
  let readAt = 0;
  return async () => {
    if (!token || Date.now() - readAt > TOKEN_REREAD_MS) {
      token = readFileSync(path, "utf8").trim();
      readAt = Date.now();
    }
    return { Authorization: `Bearer ${token}` };
  };
}

export function inClusterAuth(): KubeAuth {
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  return {
    server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
    ca: readFileSync(join(SA_DIR, "ca.crt")),
    rejectUnauthorized: true,
    headers: tokenFile(join(SA_DIR, "token")),
  };
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  "current-context"?: string;
  contexts?: Named<{ context: { cluster: string; user: string } }>[];
  clusters?: Named<{ cluster: Record<string, unknown> }>[];
  users?: Named<{ user: Record<string, unknown> }>[];
}

function bytes(base: string, data: unknown, file: unknown): Buffer | undefined {
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  if (typeof file === "string" && file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** Parses a JSON kubeconfig; null when it needs the full client (YAML, exec, auth-provider). */
export function jsonKubeconfigAuth(path: string): KubeAuth | null {
  let cfg: KubeconfigFile;
  try {
    cfg = JSON.parse(readFileSync(path, "utf8")) as KubeconfigFile;
  } catch {
    return null;
  }
  const ctx = cfg.contexts?.find((c) => c.name === cfg["current-context"])?.context;
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = cfg.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  if (!ctx || !cluster || typeof cluster.server !== "string") return null;
  if (user.exec || user["auth-provider"] || user.username) return null;
  const base = dirname(path);
  const token = typeof user.token === "string" ? user.token : "";
  const tf = typeof user.tokenFile === "string" ? user.tokenFile : "";
  return {
    server: new URL(cluster.server),
    ca: bytes(base, cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: bytes(base, user["client-certificate-data"], user["client-certificate"]),
    key: bytes(base, user["client-key-data"], user["client-key"]),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
    servername: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
    headers: token ? async () => ({ Authorization: `Bearer ${token}` }) : tf ? tokenFile(isAbsolute(tf) ? tf : join(base, tf)) : async () => ({}),
  };
}

/** Anything else a kubeconfig can do, through @kubernetes/client-node (loaded only here). */
async function clientNodeAuth(path: string | undefined): Promise<KubeAuth> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig ${path ?? "(default)"} has no current cluster`);
  const probe: Record<string, any> = { headers: {} };
  await kc.applyToHTTPSOptions(probe);
  return {
    server: new URL(cluster.server),
    ca: probe.ca,
    cert: probe.cert,
    key: probe.key,
    rejectUnauthorized: probe.rejectUnauthorized !== false,
    servername: probe.servername,
    async headers() {
      const opts: Record<string, any> = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return opts.headers as Record<string, string>;
    },
  };
}

/** `path` (KUBECONFIG) if given, else the in-cluster ServiceAccount, else ~/.kube/config. */
export async function loadKubeAuth(path: string): Promise<KubeAuth> {
  if (path) return jsonKubeconfigAuth(path) ?? clientNodeAuth(path);
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(join(SA_DIR, "token"))) return inClusterAuth();
  const home = join(homedir(), ".kube", "config");
  return (existsSync(home) ? jsonKubeconfigAuth(home) : null) ?? clientNodeAuth(undefined);
}
