import { Type, type Static } from "@sinclair/typebox";
import { SleepInfoSchema, SleepPolicySchema } from "./sleep.ts";

/**
 * An instance's status, as every runtime reports it and the deployment guide shows
 * `GET /api/instances/:userId` (phase: pending -> starting -> running | error | unknown; a running
 * instance left idle goes to sleeping, and back to pending -> running when something wakes it).
 * The Manager serializes exactly this; the App API passes it on as `InstanceView` (its own id
 * and creation time instead of the Manager's userId); the app reads the same type.
 */
export const INSTANCE_PHASES = ["pending", "starting", "running", "sleeping", "error", "unknown"] as const;
export type InstancePhase = (typeof INSTANCE_PHASES)[number];
export const InstancePhaseSchema = Type.Unsafe<InstancePhase>({ type: "string", enum: [...INSTANCE_PHASES] });

const PodConditionsSchema = Type.Object({
  scheduled: Type.Boolean(),
  initialized: Type.Boolean(),
  containersReady: Type.Boolean(),
  ready: Type.Boolean(),
});
export type PodConditions = Static<typeof PodConditionsSchema>;

/** `state` of the main (gateway) container. */
const ContainerStateSchema = Type.Object(
  {
    status: Type.Unsafe<"running" | "waiting" | "terminated" | "unknown">({ type: "string", enum: ["running", "waiting", "terminated", "unknown"] }),
    startedAt: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    exitCode: Type.Optional(Type.Integer()),
    finishedAt: Type.Optional(Type.String()),
  },
  { description: "State of the gateway container" },
);
export type ContainerStateSummary = Static<typeof ContainerStateSchema>;

const PodStatusSchema = Type.Object({
  name: Type.String(),
  phase: Type.String({ description: "Kubernetes pod phase: Pending, Running, Succeeded, Failed, Unknown (the local runtime uses the same words)" }),
  ready: Type.Boolean(),
  restartCount: Type.Integer(),
  state: ContainerStateSchema,
  /** How the previous run of the gateway ended (reason e.g. OOMKilled, Error), after a restart. */
  lastState: Type.Optional(ContainerStateSchema),
  conditions: PodConditionsSchema,
  createdAt: Type.String(),
});
export type PodStatusSummary = Static<typeof PodStatusSchema>;

const VncAvailabilitySchema = Type.Object(
  { available: Type.Boolean(), reason: Type.Optional(Type.String()) },
  { description: "Live browser view: available, or why not" },
);

const statusFields = {
  ready: Type.Boolean(),
  phase: InstancePhaseSchema,
  pods: Type.Array(PodStatusSchema),
  message: Type.Optional(Type.String({ description: "Only when phase is error" })),
  vnc: Type.Optional(VncAvailabilitySchema),
  sleep: Type.Optional(SleepInfoSchema),
  sleepPolicy: Type.Optional(
    Type.Object(
      { idleStopAfter: Type.Optional(Type.String()), sleepWithWhatsApp: Type.Optional(Type.Boolean()) },
      { additionalProperties: false, description: "The instance's own sleep settings (absent: the Manager's defaults)" },
    ),
  ),
  isolated: Type.Optional(
    Type.Boolean({
      description:
        "Whether the instance runs isolated from the others (a Kubernetes pod, or the local runtime's sandbox); false only for a local Manager started with CLAWBOX_UNSAFE_NO_SANDBOX=1",
    }),
  ),
};

export const InstanceStatusSchema = Type.Object(
  { userId: Type.String(), ...statusFields, createdAt: Type.Optional(Type.String({ description: "When the instance (its Deployment / process set) was created" })) },
  { $id: "InstanceStatus" },
);
export type InstanceStatus = Static<typeof InstanceStatusSchema>;

/** The App API's instance: its own id and creation time, then the Manager's status. */
export const InstanceViewSchema = Type.Object(
  { id: Type.String({ format: "uuid" }), createdAt: Type.String({ format: "date-time" }), ...statusFields },
  { $id: "InstanceView" },
);
export type InstanceView = Static<typeof InstanceViewSchema>;
