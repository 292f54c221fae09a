export * from "./errors.ts";
export * from "./rpc-connection.ts";
export * from "./client.ts";
