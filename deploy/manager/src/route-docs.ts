import { USER_ID_JSON_SCHEMA } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";

/**
 * Every authenticated route documents (and serializes) every error it can answer in the one
 * shape, and every `:userId` is validated and documented as exactly the server's rule. Done once
 * for all routes, present and future, instead of on each: a route that forgets is still right.
 * Must be registered before the routes (and before @fastify/swagger reads them).
 */
export function registerRouteDocs(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (route.config?.public || route.url.startsWith("/docs")) return;
    const schema = (route.schema ?? {}) as Record<string, any>;
    if (schema.hide) return;
    schema.response = { ...errorResponses, ...(schema.response ?? {}) };
    schema.security ??= [{ bearerAuth: [] }];
    if (route.url.includes(":userId")) {
      const params = schema.params ?? { type: "object", properties: {} };
      schema.params = {
        ...params,
        required: [...new Set([...(params.required ?? []), "userId"])],
        properties: { ...(params.properties ?? {}), userId: USER_ID_JSON_SCHEMA },
      };
    }
    route.schema = schema;
  });
}

/**
 * Every error a route can answer, all in the one shape: documented so clients (and schemathesis)
 * know them. 414/431 come from the router/HTTP parser (shared/http-edge.ts), 404 from an unknown
 * instance, 502/503/504 from the gateway or the Kubernetes API.
 */
export const errorResponses = {
  400: { $ref: "Error#" },
  401: { $ref: "Error#" },
  404: { $ref: "Error#" },
  409: { $ref: "Error#" },
  414: { $ref: "Error#" },
  431: { $ref: "Error#" },
  502: { $ref: "Error#" },
  503: { $ref: "Error#" },
  504: { $ref: "Error#" },
} as const;
