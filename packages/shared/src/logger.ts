import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/**
 * Paths that may carry secrets anywhere in a log object. pino replaces them with
 * "[redacted]" so a secret never reaches a log line, whatever a caller logs.
 */
export const REDACT_PATHS = [
  "secrets",
  "*.secrets",
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "password",
  "*.password",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "refreshToken",
  "*.refreshToken",
  "accessToken",
  "*.accessToken",
  "key",
  "*.key",
];

/** The one logger factory: JSON lines on stdout, level from LOG_LEVEL. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...options,
  });
}
