import type { ApiErrorBody } from "./models.ts";

/** An HTTP error from the App API, carrying its one error shape. status 0 = network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody) {
    super(body.error);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

/** Thrown when the session can't be continued (refresh token revoked or expired). */
export class SessionExpiredError extends ApiError {
  constructor(body: ApiErrorBody = { error: "Session expired" }) {
    super(401, body);
    this.name = "SessionExpiredError";
  }
}
