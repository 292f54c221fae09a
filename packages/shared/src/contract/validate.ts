import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { HttpError } from "../errors.ts";

/** One issue as Ajv (and so Fastify) reports it. */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * The first issue as the one error shape: 400 naming the dotted field and the JSON-schema rule
 * (`required`, `enum`, `pattern`, `unknown-property`, ...). Used by the Manager's Fastify error
 * handler and by the App API's contract pipe, so both answer bad input alike.
 */
export function validationToHttpError(issues: ValidationIssue[], context: string | undefined): HttpError {
  const issue = issues[0]!;
  let field = issue.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const child = issue.params.missingProperty ?? issue.params.additionalProperty;
  if ((issue.keyword === "required" || issue.keyword === "additionalProperties") && typeof child === "string") {
    field = field ? `${field}.${child}` : child;
  }
  if (!field) field = context ?? "body";
  const rule = issue.keyword === "additionalProperties" ? "unknown-property" : issue.keyword;
  const message =
    issue.keyword === "additionalProperties"
      ? `${field} is not a known property`
      : issue.keyword === "required"
        ? `${field} is required`
        : issue.keyword === "enum" && Array.isArray(issue.params.allowedValues)
          ? `${field} must be one of: ${issue.params.allowedValues.join(", ")}`
          : `${field} ${issue.message ?? "is invalid"}`;
  return new HttpError(400, message, { code: "invalid_request", field, rule });
}

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: true });
// The one input format the contract uses: an address with one @ and a dot in its domain, no spaces.
ajv.addFormat("email", /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/);
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `value` against a contract schema; returns it typed or throws the 400. */
export function parseContract<T>(schema: object, value: unknown, context = "body"): T {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return value as T;
  throw validationToHttpError((fn.errors ?? []) as ErrorObject[] as ValidationIssue[], context);
}
