import { Type, type Static } from "@sinclair/typebox";

/**
 * The one error shape of every ClawBox HTTP API (HttpError.toBody() in errors.ts writes it):
 * {"error": message, "code"?, "field"?, "rule"?, "details"?}. Both servers document their
 * errors with this schema.
 */
export const ErrorSchema = Type.Object(
  {
    error: Type.String(),
    code: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    rule: Type.Optional(Type.String()),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: "Error", description: "The one error shape" },
);
export type ErrorShape = Static<typeof ErrorSchema>;
