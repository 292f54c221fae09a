import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorBody } from "./errors.ts";

/**
 * Errors answered below the frameworks' error handlers (by the HTTP parser or the router) in the
 * one error shape too: a request line or headers over the size limit (431), a path parameter
 * over the router's limit (414), a malformed path (400), a client that timed out (408).
 * Both servers plug these in (Manager: Fastify options; App API: the FastifyAdapter's).
 */
export function rawHttpResponse(status: number, body: ErrorBody): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
  );
}

/** What the Node HTTP parser's clientError means, in the one shape. */
export function clientErrorBody(err: { code?: string }): { status: number; body: ErrorBody } {
  if (err.code === "HPE_HEADER_OVERFLOW") {
    return { status: 431, body: { error: "Request line or headers too large", code: "headers_too_large" } };
  }
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ERR_HTTP_HEADERS_TIMEOUT") {
    return { status: 408, body: { error: "Request timed out", code: "request_timeout" } };
  }
  return { status: 400, body: { error: "Malformed HTTP request", code: "invalid_request" } };
}

/** Fastify `clientErrorHandler` (and `server.on("clientError")`): answer once, then close. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const { status, body } = clientErrorBody(err);
  if (socket.writable) socket.end(rawHttpResponse(status, body));
  else socket.destroy();
}

/** Fastify `frameworkErrors`: router-level refusals (bad URL encoding, over-long path parameter). */
export function frameworkErrorBody(err: { code?: string; statusCode?: number }): { status: number; body: ErrorBody } {
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH" || err.statusCode === 414) {
    return { status: 414, body: { error: "Request URI too long", code: "uri_too_long" } };
  }
  if (err.code === "FST_ERR_BAD_URL") return { status: 400, body: { error: "Malformed URL path", code: "invalid_request", field: "path", rule: "url-encoding" } };
  const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  return { status, body: { error: STATUS_CODES[status] ?? "Bad request", code: "invalid_request" } };
}

/** Fastify `frameworkErrors` (typed loosely: shared does not depend on Fastify). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function frameworkErrors(err: { code?: string; statusCode?: number }, _req: unknown, reply: any): void {
  const { status, body } = frameworkErrorBody(err);
  reply.code(status).type("application/json; charset=utf-8").send(body);
}
