import { Type, type Static } from "@sinclair/typebox";
import { USER_ID_JSON_SCHEMA } from "../user-id.ts";
import { ModelSettingsSchema } from "./model.ts";
import type { SleepPolicy } from "./sleep.ts";

/**
 * The Manager's instance routes' inputs and the delete answer (the status itself is
 * contract/instance.ts): `POST /api/instances` (the App API's create) and
 * `DELETE /api/instances/:userId[?preservePvc=false]`.
 */

/** A Kubernetes resource quantity ("250m", "512Mi", "1.5G"), checked before anything is written. */
export const QUANTITY_PATTERN = "^([0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";

const quantities = Type.Object(
  { cpu: Type.Optional(Type.String({ pattern: QUANTITY_PATTERN })), memory: Type.Optional(Type.String({ pattern: QUANTITY_PATTERN })) },
  { additionalProperties: false },
);

export const InstanceResourcesSchema = Type.Object(
  { requests: Type.Optional(quantities), limits: Type.Optional(quantities) },
  { additionalProperties: false, description: "Gateway container requests/limits (defaults: requests 250m/1280Mi, limits 1/2560Mi, from measured figures)" },
);
export type InstanceResources = Static<typeof InstanceResourcesSchema>;

export const CreateInstanceSchema = Type.Object(
  {
    userId: Type.Unsafe<string>(USER_ID_JSON_SCHEMA),
    secrets: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 16384 }), {
        maxProperties: 64,
        description: "Env-style secrets for the gateway (ANTHROPIC_API_KEY, OPENROUTER_API_KEY, ...). Never returned. A POST replaces the previous set.",
      }),
    ),
    resources: Type.Optional(InstanceResourcesSchema),
    imageTag: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description: "Gateway image tag (default OPENCLAW_IMAGE_TAG)" })),
    model: Type.Optional(Type.Unsafe<Static<typeof ModelSettingsSchema>>({ $ref: "ModelSettings#", description: "The assistant's model; its apiKey goes only into the instance's model Secret" })),
    sleepPolicy: Type.Optional(
      Type.Unsafe<SleepPolicy>({ $ref: "SleepPolicy#", description: "Its own sleep settings (default: CLAWBOX_IDLE_STOP_AFTER, stays awake with WhatsApp linked)" }),
    ),
  },
  { additionalProperties: false, $id: "CreateInstance" },
);
/** Body of POST /api/instances. */
export type CreateInstanceInput = Static<typeof CreateInstanceSchema>;

export const DeleteInstanceQuerySchema = Type.Object(
  { preservePvc: Type.Optional(Type.Boolean({ default: true, description: "Keep the data volume (default). false deletes it too." })) },
  { additionalProperties: false },
);

export const DeleteInstanceResultSchema = Type.Object(
  { userId: Type.String(), deleted: Type.Boolean(), pvcPreserved: Type.Boolean() },
  { $id: "DeleteInstanceResult" },
);
export type DeleteInstanceResult = Static<typeof DeleteInstanceResultSchema>;
