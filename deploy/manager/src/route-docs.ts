import { USER_ID_JSON_SCHEMA } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import { errorResponses } from "./schemas.ts";

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
