import type { OpenAPIObject } from "@nestjs/swagger";
import { ErrorSchema } from "@clawbox/shared";
import { openApiSchema } from "./contract.pipe.ts";

/** The one error shape, as an OpenAPI schema (the contract's, without its `$id`). */
const ERROR_SCHEMA = openApiSchema(ErrorSchema);

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request: {error, code:'invalid_request', field, rule}",
  401: "Missing, invalid or expired access token, or ended session",
  402: "Subscription required",
  403: "Forbidden (e.g. rpc_method_forbidden)",
  404: "Not found (another user's instance looks the same)",
  409: "Conflict (e.g. email_taken, instance_limit)",
  413: "Body too large",
  414: "Request URI too long",
  415: "Unsupported media type",
  429: "Rate limited: {error, code:'rate_limited', details:{retryAfterSeconds}}",
  431: "Request headers too large",
  502: "The instance's gateway or the Manager answered with an error",
  503: "Instance not running, or a dependency unavailable",
  504: "The instance did not answer in time",
};

/** Errors every operation can answer: from validation, the router and the HTTP parser. */
const EVERYWHERE = [400, 404, 413, 414, 415, 431];

function errorsFor(path: string, secured: boolean): number[] {
  const codes = [...EVERYWHERE];
  if (secured) codes.push(401);
  if (path.startsWith("/auth/")) codes.push(401, 409, 429, 502, 503);
  if (path.startsWith("/instances")) codes.push(402, 403, 409, 502, 503, 504);
  if (path.startsWith("/users") || path.startsWith("/subscription")) codes.push(502, 503);
  // Webhooks authenticate with their own shared secret in Authorization.
  if (path.startsWith("/webhooks/")) codes.push(401);
  return [...new Set(codes)].sort();
}

/**
 * Documents every error an operation can answer, in the one shape, on every operation of the
 * App API's OpenAPI document (the decorators describe successes; errors are the same for all,
 * so they are added here in one place instead of on every handler).
 */
export function documentErrors(doc: OpenAPIObject): OpenAPIObject {
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas.Error = ERROR_SCHEMA as never;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ["get", "put", "post", "delete", "patch"] as const) {
      const op = item[method];
      if (!op) continue;
      const secured = (op.security?.length ?? 0) > 0 || (doc.security?.length ?? 0) > 0;
      for (const code of errorsFor(path, secured)) {
        op.responses[String(code)] ??= {
          description: DESCRIPTIONS[code] ?? "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        };
      }
    }
  }
  return doc;
}
