import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from "@nestjs/common";
import { HttpError, type ErrorBody, type Logger } from "@clawbox/shared";
import type { FastifyReply } from "fastify";
import { LOGGER } from "./tokens.ts";

const CODES: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/** Turns anything thrown into THE one error shape {error, code, field?, rule?, details?}. */
export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof HttpError) return { status: exception.status, body: exception.toBody() };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    const message =
      typeof res === "string" ? res : String((res as { message?: unknown }).message ?? exception.message);
    const body: ErrorBody = { error: message, code: CODES[status] ?? (status >= 500 ? "internal" : "error") };
    if (status === 400 && /json/i.test(message)) Object.assign(body, { field: "body", rule: "json" });
    return { status, body };
  }
  // Errors raised by fastify itself (bad JSON, wrong content type, body too large) carry statusCode.
  const e = exception as { statusCode?: unknown; message?: unknown; code?: unknown };
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      body: {
        error: typeof e.message === "string" ? e.message : "Bad request",
        code: CODES[e.statusCode] ?? "invalid_request",
        ...(e.statusCode === 400 ? { field: "body", rule: "json" } : {}),
      },
    };
  }
  return { status: 500, body: { error: "Internal server error", code: "internal" } };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500 && !(exception instanceof HttpError)) {
      // Message and stack only: request bodies and headers (tokens) never reach the log.
      const err = exception as Error;
      this.logger.error({ err: { message: err?.message, stack: err?.stack } }, "unhandled error");
    }
    if (status === 429 && body.details?.retryAfterSeconds !== undefined) {
      reply.header("retry-after", String(body.details.retryAfterSeconds));
    }
    reply.status(status).send(body);
  }
}
