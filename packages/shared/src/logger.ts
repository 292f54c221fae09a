import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

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

/**
 * The one logger factory: JSON lines on stdout, level from LOG_LEVEL. `destination` lets a
 * test capture the lines (e.g. to prove a secret never reaches a log).
 */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const merged: LoggerOptions = {
    name,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...options,
  };
  return destination ? pino(merged, destination) : pino(merged);
}
