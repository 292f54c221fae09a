/**
 * A small Kubernetes REST client over node:https, authenticated from a kubeconfig (in-cluster
 * ServiceAccount, a file, or KUBECONFIG; see kubeconfig.ts). Raw HTTP instead of the generated client so that:
 * objects stay plain JSON (no `_from` model mapping), server-side apply sends
 * `application/apply-patch+yaml` as the API server expects, watches stream line by line, and every
 * call is counted (openclaw_manager_apiserver_requests_total) for the "calls per create" figure.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { type KubeAuth, loadKubeAuth } from "./kubeconfig.ts";

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/** A non-2xx answer of the API server (or no answer: status 0). */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly verb: string;
  readonly path: string;
  readonly body: KubeStatus | undefined;
  constructor(verb: string, path: string, status: number, body: KubeStatus | undefined, cause?: unknown) {
    const reason = body?.reason ?? (status === 0 ? "Unreachable" : `HTTP${status}`);
    super(body?.message ?? (status === 0 ? `Kubernetes API unreachable: ${String((cause as Error)?.message ?? cause)}` : `Kubernetes API answered ${status}`));
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
    this.verb = verb;
    this.path = path;
    this.body = body;
  }
}

export type Verb = "get" | "list" | "watch" | "apply" | "patch" | "delete";

export interface RequestObserver {
  (call: { verb: Verb; resource: string; status: number; seconds: number }): void;
}

export interface KubeResponse<T> {
  status: number;
  body: T;
}

function resourceOf(path: string): string {
  // /api/v1/namespaces/<ns>/<plural>[/<name>] or /apis/<g>/<v>/namespaces/<ns>/<plural>[/<name>]
  const parts = path.split("?")[0]!.split("/");
  const i = parts.indexOf("namespaces");
  return i >= 0 ? (parts[i + 2] ?? "namespaces") : (parts[parts.length - 1] ?? "unknown");
}

export class KubeClient {
  private auth: Promise<KubeAuth> | undefined;
  private readonly loadAuth: () => Promise<KubeAuth>;
  private agent: HttpsAgent | HttpAgent | undefined;
  private server: URL | undefined;
  private readonly observers: RequestObserver[] = [];

  /** `auth` is resolved on the first request (so construction never does I/O). */
  constructor(auth: KubeAuth | (() => Promise<KubeAuth>)) {
    this.loadAuth = typeof auth === "function" ? auth : async () => auth;
  }

  /** `kubeconfigPath` if given, else the in-cluster ServiceAccount, else ~/.kube/config. */
  static fromConfig(kubeconfigPath: string): KubeClient {
    return new KubeClient(() => loadKubeAuth(kubeconfigPath));
  }

  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    this.auth ??= this.loadAuth();
    const auth = await this.auth;
    const server = (this.server ??= auth.server);
    if (!this.agent) {
      this.agent = server.protocol === "https:"
        ? new HttpsAgent({ ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername, keepAlive: true, maxSockets: 32 })
        : new HttpAgent({ keepAlive: true, maxSockets: 32 });
    }
    return {
      protocol: server.protocol,
      hostname: server.hostname.replace(/^\[|\]$/g, ""),
      port: server.port || (server.protocol === "https:" ? 443 : 80),
      method,
      path: `${server.pathname.replace(/\/$/, "")}${path}`,
      agent: this.agent,
      headers: { ...(await auth.headers()), Accept: "application/json", ...headers },
    };
  }

  private send(opts: RequestOptions, body: string | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = (opts.protocol === "https:" ? httpsRequest : httpRequest)({ ...opts, signal }, resolve);
      req.on("error", reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  private observe(verb: Verb, path: string, status: number, started: number): void {
    const call = { verb, resource: resourceOf(path), status, seconds: (performance.now() - started) / 1000 };
    for (const o of this.observers) o(call);
  }

  /** One request; resolves with status and parsed JSON for 2xx, throws KubeApiError otherwise. */
  async request<T = unknown>(
    verb: Exclude<Verb, "watch">,
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; signal?: AbortSignal; accept?: string } = {},
  ): Promise<KubeResponse<T>> {
    const started = performance.now();
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = opts.accept ? { Accept: opts.accept } : {};
    if (payload !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    let res: IncomingMessage;
    try {
      res = await this.send(await this.options(method, path, headers), payload, opts.signal);
    } catch (e) {
      this.observe(verb, path, 0, started);
      throw new KubeApiError(verb, path, 0, undefined, e);
    }
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const status = res.statusCode ?? 0;
    this.observe(verb, path, status, started);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { message: text.slice(0, 500) };
    }
    if (status < 200 || status >= 300) throw new KubeApiError(verb, path, status, parsed as KubeStatus);
    return { status, body: parsed as T };
  }

  /** Server-side apply of one object: a single PATCH, creates or updates, no read. */
  apply<T = unknown>(path: string, object: unknown, fieldManager: string): Promise<KubeResponse<T>> {
    const q = `fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    // JSON is YAML, so the JSON body is a valid apply patch.
    return this.request<T>("apply", "PATCH", `${path}?${q}`, { body: object, contentType: "application/apply-patch+yaml" });
  }

  /** Streams a watch: one parsed JSON event per line, until the server closes or `signal` aborts. */
  async *watch(path: string, signal: AbortSignal): AsyncGenerator<{ type: string; object: any }> {
    const started = performance.now();
    let res: IncomingMessage;
    try {
      res = await this.send(await this.options("GET", path, {}), undefined, signal);
    } catch (e) {
      this.observe("watch", path, 0, started);
      throw new KubeApiError("watch", path, 0, undefined, e);
    }
    const status = res.statusCode ?? 0;
    this.observe("watch", path, status, started);
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let body: KubeStatus | undefined;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as KubeStatus;
      } catch {
        body = undefined;
      }
      throw new KubeApiError("watch", path, status, body);
    }
    let buffered = "";
    res.setEncoding("utf8");
    try {
      for await (const chunk of res) {
        buffered += chunk as string;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as { type: string; object: any };
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  }

  close(): void {
    this.agent?.destroy();
  }
}
