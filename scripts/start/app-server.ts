import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * One origin for the browser: the built app, its runtime `/config.json`, and `/api/*`
 * proxied to the App API (HTTP and the VNC WebSocket upgrade, prefix stripped). The App API
 * stays on loopback; the browser never needs a second origin or CORS.
 */
export interface AppServerOptions {
  distDir: string;
  apiUrl: string; // e.g. http://127.0.0.1:4000
  config: Record<string, unknown>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".json", ".webmanifest", ".svg"]);
const API_PREFIX = "/api";

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

export function createAppServer(opts: AppServerOptions): Server {
  const api = new URL(opts.apiUrl);
  const cache = new Map<string, Asset>();
  const configBody = Buffer.from(JSON.stringify(opts.config));

  function asset(path: string): Asset | null {
    const hit = cache.get(path);
    if (hit) return hit;
    const file = normalize(join(opts.distDir, path));
    if (!file.startsWith(opts.distDir + sep) || !existsSync(file) || !statSync(file).isFile()) return null;
    const body = readFileSync(file);
    const ext = extname(file);
    const entry: Asset = {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null,
      type: TYPES[ext] ?? "application/octet-stream",
      immutable: path.startsWith("/assets/"),
    };
    cache.set(path, entry);
    return entry;
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    // Deep links (/dashboard, /telegram, ...) get the SPA shell.
    const found = (pathname !== "/" && asset(pathname)) || asset("/index.html");
    if (!found) {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "The app is not built yet" }));
      return;
    }
    const headers: Record<string, string> = {
      "content-type": found.type,
      "cache-control": found.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
      vary: "accept-encoding",
    };
    const gzip = found.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    if (gzip) headers["content-encoding"] = "gzip";
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : gzip ? found.gzip : found.body);
  }

  function proxy(req: IncomingMessage, res: ServerResponse, path: string) {
    const upstream = request(
      { host: api.hostname, port: api.port, method: req.method, path, headers: forwardedHeaders(req) },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "App API unreachable", code: "bad_gateway" }));
    });
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === API_PREFIX || url.pathname.startsWith(API_PREFIX + "/")) {
      return proxy(req, res, stripPrefix(req.url ?? "/"));
    }
    if (url.pathname === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(configBody);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
      return res.end(JSON.stringify({ error: "Method not allowed" }));
    }
    serveStatic(req, res, decodeURIComponent(url.pathname));
  });

  // WebSocket upgrades under /api (the VNC socket) are piped byte for byte to the App API.
  server.on("upgrade", (req, socket, head) => {
    const url = req.url ?? "/";
    if (!url.startsWith(API_PREFIX + "/")) return socket.destroy();
    const upstream = connect(Number(api.port), api.hostname, () => {
      const lines = [`${req.method} ${stripPrefix(url)} HTTP/1.1`];
      for (const [k, v] of Object.entries(forwardedHeaders(req))) {
        for (const value of Array.isArray(v) ? v : [v]) if (value !== undefined) lines.push(`${k}: ${value}`);
      }
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", close);
    socket.on("error", close);
    upstream.on("close", () => socket.destroy());
    socket.on("close", () => upstream.destroy());
  });
  return server;
}

function stripPrefix(url: string): string {
  const rest = url.slice(API_PREFIX.length);
  return rest.startsWith("/") ? rest : "/" + rest;
}

/**
 * This server is the edge: nothing in front of it is trusted, so X-Forwarded-For is SET to the
 * peer's address (a client-supplied one is dropped, never appended), and the App API trusts that
 * header only from this proxy (TRUST_PROXY, set by npm start). The App API's per-address login
 * limit then counts each browser, not everyone as 127.0.0.1.
 */
function forwardedHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const headers = { ...req.headers };
  headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-host"] = req.headers.host;
  headers["x-forwarded-prefix"] = API_PREFIX;
  return headers;
}
