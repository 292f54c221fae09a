import { badRequest } from "@clawbox/shared";

/** Small input checks that name the field and the rule (400 in the one error shape). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body)) throw badRequest("body", "json-object", "body must be a JSON object");
  return body as Record<string, unknown>;
}

export function optionalBoolean(o: Record<string, unknown>, field: string): boolean | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw badRequest(field, "boolean", `${field} must be true or false`);
  return v;
}

export function optionalInt(o: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(field, "integer-range", `${field} must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function requiredString(o: Record<string, unknown>, field: string, pattern: RegExp, rule: string, describe: string): string {
  const v = o[field];
  if (typeof v !== "string" || v.length === 0) throw badRequest(field, "required", `${field} is required`);
  if (!pattern.test(v)) throw badRequest(field, rule, `${field} ${describe}`);
  return v;
}

export const CHANNEL_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const ACCOUNT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
