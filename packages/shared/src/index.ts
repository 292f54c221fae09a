export * from "./logger.ts";
export * from "./errors.ts";
export * from "./instance.ts";
export * from "./runtime.ts";
export * from "./user-id.ts";
export * from "./vnc-ticket.ts";
export * from "./tokens.ts";
export * from "./gateway-config.ts";
