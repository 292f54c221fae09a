/**
 * The one error shape of every ClawBox HTTP API:
 *   { "error": "<human message>", "code": "<machine code>", "field"?: "<input path>", "rule"?: "<rule name>" }
 * `error` stays a plain string so the guide's 401 body {"error":"Missing or invalid Authorization header"}
 * is exactly one instance of it (code and field are added only when known).
 */
export interface ErrorBody {
  error: string;
  code?: string;
  field?: string;
  rule?: string;
  details?: Record<string, unknown>;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly field: string | undefined;
  readonly rule: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: number,
    message: string,
    extra: { code?: string; field?: string; rule?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = extra.code;
    this.field = extra.field;
    this.rule = extra.rule;
    this.details = extra.details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.message };
    if (this.code !== undefined) body.code = this.code;
    if (this.field !== undefined) body.field = this.field;
    if (this.rule !== undefined) body.rule = this.rule;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export const badRequest = (field: string, rule: string, message: string) =>
  new HttpError(400, message, { code: "invalid_request", field, rule });
export const unauthorized = (message = "Missing or invalid Authorization header") => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message, { code: "forbidden" });
export const notFound = (message: string) => new HttpError(404, message, { code: "not_found" });
export const conflict = (message: string) => new HttpError(409, message, { code: "conflict" });
export const badGateway = (message: string, details?: Record<string, unknown>) =>
  new HttpError(502, message, { code: "bad_gateway", details });
export const unavailable = (message: string, details?: Record<string, unknown>) =>
  new HttpError(503, message, { code: "unavailable", details });
export const gatewayTimeout = (message: string, details?: Record<string, unknown>) =>
  new HttpError(504, message, { code: "gateway_timeout", details });
