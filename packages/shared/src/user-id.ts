import { badRequest } from "./errors.ts";

/**
 * Every object of an instance is named from its userId: `<userId>-openclaw` and, the longest,
 * `<userId>-openclaw-data` (14 extra characters). Kubernetes names of Services and labels
 * must be DNS-1123 labels of at most 63 characters, so a userId may have at most 63 - 14 = 49.
 */
export const USER_ID_MAX_LENGTH = 49;
export const USER_ID_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const USER_ID_RULE =
  `userId must be a DNS-1123 label: 1-${USER_ID_MAX_LENGTH} characters, lowercase letters, digits and '-', starting and ending with a letter or digit`;

/**
 * The same rule as a JSON schema, so the Manager's OpenAPI spec documents exactly what the
 * server checks (schemathesis generates ids from it).
 */
export const USER_ID_JSON_SCHEMA = {
  type: "string",
  minLength: 1,
  maxLength: USER_ID_MAX_LENGTH,
  pattern: USER_ID_PATTERN.source,
  description: USER_ID_RULE,
} as const;

export function userIdProblem(userId: unknown): string | null {
  if (typeof userId !== "string" || userId.length === 0) return "userId is required";
  if (userId.length > USER_ID_MAX_LENGTH || !USER_ID_PATTERN.test(userId)) return USER_ID_RULE;
  return null;
}

export function assertUserId(userId: unknown, field = "userId"): asserts userId is string {
  const problem = userIdProblem(userId);
  if (problem) throw badRequest(field, "dns1123-label", problem);
}

/** Names of an instance's objects, in one place (Manager builders and the Helm chart use these). */
export function instanceNames(userId: string) {
  const base = `${userId}-openclaw`;
  return {
    base,
    deployment: base,
    service: base,
    secret: base,
    configMap: base,
    networkPolicy: base,
    ingress: base,
    managedCertificate: base,
    /** GKE BackendConfig of the Service (load balancer timeout and health check); only with Ingress on. */
    backendConfig: base,
    pvc: `${base}-data`,
    /** The model provider key, apart from the rest so a model change touches nothing else. */
    modelSecret: `${base}-model`,
  };
}
