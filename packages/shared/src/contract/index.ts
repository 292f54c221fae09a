/**
 * The contract: every shape that crosses a service boundary, defined once as a JSON Schema
 * (TypeBox) with its TypeScript type. Fastify validates and serializes with the schemas
 * directly, the App API validates with `parseContract` and documents them in OpenAPI, and the
 * app imports the types.
 */
export * from "./channels.ts";
export * from "./error.ts";
export * from "./telegram-token.ts";
export * from "./instance.ts";
export * from "./model.ts";
export * from "./chat.ts";
export * from "./sleep.ts";
export * from "./validate.ts";

import { ChatHistorySchema, ChatSendSchema } from "./chat.ts";
import { PairingListSchema, TelegramSetupSchema } from "./channels.ts";
import { InstanceStatusSchema, InstanceViewSchema } from "./instance.ts";
import { ModelSettingsSchema, ModelViewSchema } from "./model.ts";
import { SleepPolicySchema, SleepSettingsSchema } from "./sleep.ts";
/** Schemas with an `$id`, for servers that register them once and `$ref` them (Fastify, OpenAPI). */
export const CONTRACT_SCHEMAS = [InstanceStatusSchema, InstanceViewSchema, ModelSettingsSchema, ModelViewSchema, ChatSendSchema, ChatHistorySchema, TelegramSetupSchema, PairingListSchema, SleepPolicySchema, SleepSettingsSchema] as const;
