/**
 * The contract: every shape that crosses a service boundary, defined once as a JSON Schema
 * (TypeBox) with its TypeScript type. Fastify validates and serializes with the schemas
 * directly, the App API validates with `parseContract` and documents them in OpenAPI, and the
 * app imports the types.
 */
export * from "./account.ts";
export * from "./channels.ts";
export * from "./error.ts";
export * from "./gateway.ts";
export * from "./telegram-token.ts";
export * from "./instance.ts";
export * from "./instance-api.ts";
export * from "./model.ts";
export * from "./chat.ts";
export * from "./sleep.ts";
export * from "./validate.ts";

import { ChatHistorySchema, ChatSendSchema } from "./chat.ts";
import { PairingListSchema, TelegramSetupSchema } from "./channels.ts";
import {
  ChannelStatusSchema,
  PairingApproveResultSchema,
  PairingApproveSchema,
  RpcCallSchema,
  TelegramLogoutResultSchema,
  TelegramSetupResultSchema,
  WhatsappQrResultSchema,
  WhatsappQrSchema,
  WhatsappWaitResultSchema,
  WhatsappWaitSchema,
} from "./gateway.ts";
import { InstanceStatusSchema, InstanceViewSchema } from "./instance.ts";
import { CreateInstanceSchema, DeleteInstanceResultSchema } from "./instance-api.ts";
import { ModelSettingsSchema, ModelViewSchema } from "./model.ts";
import { SleepPolicySchema, SleepSettingsSchema } from "./sleep.ts";
/** Schemas with an `$id`, for servers that register them once and `$ref` them (Fastify, OpenAPI). */
export const CONTRACT_SCHEMAS = [
  InstanceStatusSchema,
  InstanceViewSchema,
  CreateInstanceSchema,
  DeleteInstanceResultSchema,
  ModelSettingsSchema,
  ModelViewSchema,
  ChatSendSchema,
  ChatHistorySchema,
  TelegramSetupSchema,
  TelegramSetupResultSchema,
  TelegramLogoutResultSchema,
  ChannelStatusSchema,
  PairingListSchema,
  PairingApproveSchema,
  PairingApproveResultSchema,
  RpcCallSchema,
  WhatsappQrSchema,
  WhatsappQrResultSchema,
  WhatsappWaitSchema,
  WhatsappWaitResultSchema,
  SleepPolicySchema,
  SleepSettingsSchema,
] as const;
