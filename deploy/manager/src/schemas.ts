/**
 * JSON schemas of the instance API: each one validates input, drives fast serialization of the
 * output (nothing outside the schema, e.g. a secret, can leak into a response) and documents the
 * route in OpenAPI. The error shape is the contract's ErrorSchema, registered as "Error".
 */
import { USER_ID_JSON_SCHEMA } from "@clawbox/shared";
import { QUANTITY_PATTERN } from "./k8s/builders/quantity.ts";



/**
 * userId path parameter: exactly the server's rule (USER_ID_JSON_SCHEMA from @clawbox/shared), so
 * the spec promises what assertUserId enforces; a violation is a 400 rule "dns1123-label".
 */
export const userIdParams = {
  type: "object",
  required: ["userId"],
  properties: { userId: USER_ID_JSON_SCHEMA },
} as const;

export const createInstanceBody = {
  type: "object",
  required: ["userId"],
  additionalProperties: false,
  properties: {
    userId: USER_ID_JSON_SCHEMA,
    secrets: {
      type: "object",
      description: "Env-style secrets for the gateway (ANTHROPIC_API_KEY, OPENROUTER_API_KEY, ...). Never returned. A POST replaces the previous set.",
      additionalProperties: { type: "string", maxLength: 16384 },
      maxProperties: 64,
    },
    resources: {
      type: "object",
      additionalProperties: false,
      description: "Gateway container requests/limits (defaults: requests 250m/1280Mi, limits 1/2560Mi, from measured figures)",
      properties: {
        requests: {
          type: "object",
          additionalProperties: false,
          properties: { cpu: { type: "string", pattern: QUANTITY_PATTERN }, memory: { type: "string", pattern: QUANTITY_PATTERN } },
        },
        limits: {
          type: "object",
          additionalProperties: false,
          properties: { cpu: { type: "string", pattern: QUANTITY_PATTERN }, memory: { type: "string", pattern: QUANTITY_PATTERN } },
        },
      },
    },
    imageTag: { type: "string", pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description: "Gateway image tag (default OPENCLAW_IMAGE_TAG)" },
    model: { $ref: "ModelSettings#", description: "The assistant's model; its apiKey goes only into the instance's model Secret" },
    sleepPolicy: { $ref: "SleepPolicy#", description: "Its own sleep settings (default: CLAWBOX_IDLE_STOP_AFTER, stays awake with WhatsApp linked)" },
  },
} as const;

export const deleteQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    preservePvc: { type: "boolean", default: true, description: "Keep the data volume (default). false deletes it too." },
  },
} as const;

export const deleteResultSchema = {
  type: "object",
  required: ["userId", "deleted", "pvcPreserved"],
  properties: { userId: { type: "string" }, deleted: { type: "boolean" }, pvcPreserved: { type: "boolean" } },
} as const;

/**
 * Every error a route can answer, all in the one shape: documented so clients (and schemathesis)
 * know them. 414/431 come from the router/HTTP parser (shared/http-edge.ts), 404 from an unknown
 * instance, 502/503/504 from the gateway or the Kubernetes API.
 */
export const errorResponses = {
  400: { $ref: "Error#" },
  401: { $ref: "Error#" },
  404: { $ref: "Error#" },
  409: { $ref: "Error#" },
  414: { $ref: "Error#" },
  431: { $ref: "Error#" },
  502: { $ref: "Error#" },
  503: { $ref: "Error#" },
  504: { $ref: "Error#" },
} as const;
