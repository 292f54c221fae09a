/**
 * Bearer authentication for every route except the public ones. A route opts out with
 * `config: { public: true }` (health, metrics, OpenAPI); the VNC route opts out too and checks its
 * own `?token=` (API key or VNC ticket). Public by design: /health (probes), /metrics (in-cluster
 * Prometheus; counts only, no user data), /openapi.json and /docs (the API's shape is not secret).
 * Keys are compared in constant time; the 401 body is exactly the guide's.
 */
import { safeEqual, unauthorized } from "@clawbox/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** No Authorization header needed (the route authenticates itself, or is public). */
    public?: boolean;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== "string") return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

export function isAuthorized(request: FastifyRequest, apiKey: string): boolean {
  const token = bearerToken(request);
  return token !== null && safeEqual(token, apiKey);
}

export function registerAuth(app: FastifyInstance, apiKey: string): void {
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config?.public) return;
    // Swagger UI's own routes (static assets under /docs).
    if (request.routeOptions.url?.startsWith("/docs")) return;
    if (!isAuthorized(request, apiKey)) throw unauthorized();
  });
}
