import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { CENSOR, REDACT_PATHS, scrubObject, scrubText, serializeError, serializeRequest } from "./log-redaction.ts";

export type { Logger };
export { REDACT_PATHS };

/**
 * The one logger factory: JSON lines on stdout, level from LOG_LEVEL, and the one redaction
 * policy (./log-redaction.ts) built in, so every service and every child logger (Fastify's
 * request loggers included) censors the same things. `destination` lets a test capture the
 * lines (e.g. to prove a secret never reaches a log).
 */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const merged: LoggerOptions = {
    name,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    ...options,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: { req: serializeRequest, err: serializeError, error: serializeError, ...options.serializers },
    formatters: { ...options.formatters, log: (obj) => scrubObject(obj) as Record<string, unknown> },
    hooks: {
      // Messages are free text: scrub them as well (e.g. "upstream ws://...?token=...").
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? scrubText(a) : a)) as typeof args;
        return method.apply(this, scrubbed);
      },
    },
  };
  return destination ? pino(merged, destination) : pino(merged);
}

/**
 * Log files of ClawBox processes are created owner-only (0600): they hold user ids, message
 * metadata and whatever a third-party process (the gateway) prints.
 */
export const LOG_FILE_MODE = 0o600;
