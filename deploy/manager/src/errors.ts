/**
 * The Manager's one error handler: every failure leaves as the one error shape
 * {"error", "code"?, "field"?, "rule"?, "details"?}, never a stack trace.
 *   HttpError               -> its status and body
 *   gateway errors          -> 502/503/504 with the gateway's code (toHttpError)
 *   Fastify validation      -> 400 naming the field and the JSON-schema rule
 *   Kubernetes API errors   -> 400/404/409/503/502 with the API server's message
 *   Fastify client errors   -> their 4xx (bad JSON, wrong content type, body too large)
 *   anything else           -> 500 "Internal error" (logged with the stack, not returned)
 */
import { type ErrorBody, GatewayError, HttpError, USER_ID_RULE } from "@clawbox/shared";
import { type ValidationIssue, validationToHttpError } from "@clawbox/shared/contract/index";
import type { FastifyError, FastifyInstance } from "fastify";
import { toHttpError } from "./gateway/instance-gateway.ts";
import { KubeApiError } from "./k8s/client.ts";

export function kubeToHttpError(e: KubeApiError): HttpError {
  const details = { kubernetes: { status: e.status, reason: e.reason, verb: e.verb } };
  const msg = e.message;
  if (e.status === 422 || e.status === 400) {
    const cause = e.body?.details?.causes?.[0];
    return new HttpError(400, `Kubernetes rejected the object: ${msg}`, { code: "invalid_request", field: cause?.field, rule: cause?.reason ?? "kubernetes-validation", details });
  }
  if (e.status === 404) return new HttpError(404, msg, { code: "not_found", details });
  if (e.status === 409) return new HttpError(409, `Kubernetes conflict: ${msg}`, { code: "conflict", details });
  if (e.status === 401 || e.status === 403) {
    // The Manager's own identity lacks a right: a deployment problem (rbac.yaml), not the caller's.
    return new HttpError(502, `Kubernetes API refused the Manager: ${msg}`, { code: "kubernetes_forbidden", details });
  }
  if (e.status === 0 || e.status === 429 || e.status >= 500) {
    return new HttpError(503, e.status === 0 ? msg : `Kubernetes API unavailable: ${msg}`, { code: "kubernetes_unavailable", details });
  }
  return new HttpError(502, `Kubernetes API error: ${msg}`, { code: "kubernetes_error", details });
}

/**
 * The userId schema is the DNS-1123 rule itself (USER_ID_JSON_SCHEMA): a violation names that
 * rule, exactly as assertUserId does, whichever schema keyword caught it.
 */
function userIdRule(e: HttpError): HttpError {
  if (e.field === "userId" && ["pattern", "maxLength", "minLength"].includes(e.rule ?? "")) {
    return new HttpError(400, USER_ID_RULE, { code: "invalid_request", field: "userId", rule: "dns1123-label" });
  }
  return e;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    let http: HttpError;
    if (err instanceof HttpError) http = err;
    else if (err instanceof KubeApiError) http = kubeToHttpError(err);
    else if (err instanceof GatewayError) http = toHttpError(err);
    else if ("validation" in err && Array.isArray(err.validation) && err.validation.length > 0) {
      http = userIdRule(validationToHttpError(err.validation as ValidationIssue[], (err as FastifyError).validationContext));
    } else if ("statusCode" in err && typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
      http = new HttpError(err.statusCode, err.message, { code: (err as FastifyError).code ?? "bad_request" });
    } else {
      request.log.error({ err }, "unhandled error");
      http = new HttpError(500, "Internal error", { code: "internal" });
    }
    if (http.status >= 500) request.log.warn({ status: http.status, code: http.code, error: http.message }, "request failed");
    const body: ErrorBody = http.toBody();
    return reply.code(http.status).type("application/json").send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `Route ${request.method} ${request.url.split("?")[0]} not found`, code: "not_found" }),
  );
}
