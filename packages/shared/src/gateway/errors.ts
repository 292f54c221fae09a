/**
 * Errors of a gateway call, typed so every caller maps them the same way to the one HTTP
 * error shape: the gateway answered with an error -> 502, the gateway (or the agent in front
 * of it) is down/starting/unreachable -> 503, no answer within the timeout -> 504.
 */
export type GatewayErrorKind = "gateway" | "unavailable" | "timeout";

/** The error object of a `res` frame, as the gateway (and our pod agent) send it. */
export interface GatewayErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** Codes our own code uses (the gateway's own codes pass through unchanged). */
export const UNAVAILABLE = "UNAVAILABLE";
export const TIMEOUT = "TIMEOUT";

export class GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: GatewayErrorKind, shape: GatewayErrorShape) {
    super(shape.message);
    this.name = "GatewayError";
    this.kind = kind;
    this.code = shape.code;
    this.details = shape.details;
    this.retryAfterMs = shape.retryAfterMs;
  }

  /** HTTP status of the one error shape (ARCHITECTURE.md "One error shape"). */
  get status(): 502 | 503 | 504 {
    return this.kind === "timeout" ? 504 : this.kind === "unavailable" ? 503 : 502;
  }

  toShape(): GatewayErrorShape {
    const s: GatewayErrorShape = { code: this.code, message: this.message };
    if (this.details !== undefined) s.details = this.details;
    if (this.retryAfterMs !== undefined) s.retryAfterMs = this.retryAfterMs;
    return s;
  }

  /**
   * Rebuilds an error received in a frame. The gateway's own `UNAVAILABLE` (e.g. startup
   * sidecars not ready) is a "not ready yet" and maps to 503 like an unreachable gateway.
   */
  static fromShape(shape: GatewayErrorShape): GatewayError {
    const kind: GatewayErrorKind = shape.code === TIMEOUT ? "timeout" : shape.code === UNAVAILABLE ? "unavailable" : "gateway";
    return new GatewayError(kind, shape);
  }

  static unavailable(message: string, details?: Record<string, unknown>, retryAfterMs?: number): GatewayError {
    return new GatewayError("unavailable", { code: UNAVAILABLE, message, details, retryAfterMs });
  }

  static timeout(message: string, details?: Record<string, unknown>): GatewayError {
    return new GatewayError("timeout", { code: TIMEOUT, message, details });
  }
}

export function isGatewayErrorShape(v: unknown): v is GatewayErrorShape {
  return typeof v === "object" && v !== null && typeof (v as GatewayErrorShape).code === "string" &&
    typeof (v as GatewayErrorShape).message === "string";
}
