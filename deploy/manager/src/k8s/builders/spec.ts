import { badRequest, checkModelSettings, type CreateInstanceInput, deriveInstanceToken, type InstanceResources } from "@clawbox/shared";
import type { ManagerConfig } from "../../config.ts";
import { SECRET_KEYS } from "./pod-layout.ts";
import { parseQuantity } from "./quantity.ts";
import type { InstanceSpec } from "./types.ts";

/** Gateway container defaults (gateway note: ~1 GB idle, 2 GiB limit). */
export const DEFAULT_RESOURCES: InstanceSpec["resources"] = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "1", memory: "2Gi" },
};

const RESERVED_SECRET_KEYS = new Set<string>(Object.values(SECRET_KEYS));
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks what the JSON schema can't (reserved names, request <= limit) and resolves defaults.
 * Throws HttpError 400 naming the field and rule; runs before any write, so nothing is half-created.
 */
export function resolveResources(input: InstanceResources | undefined): InstanceSpec["resources"] {
  const r: InstanceSpec["resources"] = {
    requests: { ...DEFAULT_RESOURCES.requests, ...input?.requests },
    limits: { ...DEFAULT_RESOURCES.limits, ...input?.limits },
  };
  for (const kind of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      if (parseQuantity(r[kind][res]) === null) {
        throw badRequest(`resources.${kind}.${res}`, "quantity", `resources.${kind}.${res} must be a Kubernetes quantity such as "500m" or "1Gi"`);
      }
    }
  }
  for (const res of ["cpu", "memory"] as const) {
    if ((parseQuantity(r.requests[res]) ?? 0) > (parseQuantity(r.limits[res]) ?? 0)) {
      throw badRequest(`resources.requests.${res}`, "request-not-above-limit", `resources.requests.${res} (${r.requests[res]}) must not exceed resources.limits.${res} (${r.limits[res]})`);
    }
  }
  return r;
}

function resolveSecrets(secrets: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secrets ?? {})) {
    if (!ENV_NAME.test(key)) throw badRequest(`secrets.${key}`, "env-name", `secret names must be environment variable names ([A-Za-z_][A-Za-z0-9_]*)`);
    if (RESERVED_SECRET_KEYS.has(key)) throw badRequest(`secrets.${key}`, "reserved", `${key} is set by the Manager and cannot be supplied`);
    if (typeof value !== "string") throw badRequest(`secrets.${key}`, "string", `secrets.${key} must be a string`);
    out[key] = value;
  }
  return out;
}

export function instanceSpecFromInput(config: ManagerConfig, input: CreateInstanceInput): InstanceSpec {
  const k = config.kubernetes;
  return {
    userId: input.userId,
    namespace: k.namespace,
    image: imageRef(k.imageRepo, input.imageTag ?? k.imageTag),
    secrets: resolveSecrets(input.secrets),
    tokens: {
      gateway: deriveInstanceToken(config.tokenSecret, "gateway", input.userId),
      agent: deriveInstanceToken(config.tokenSecret, "agent", input.userId),
    },
    resources: resolveResources(input.resources),
    ...(input.model ? { model: checkModelSettings(input.model, "model") } : {}),
    gateway: { ...(config.gateway.telegramApiRoot ? { telegramApiRoot: config.gateway.telegramApiRoot } : {}), providerBaseUrls: config.gateway.providerBaseUrls },
    storage: { size: k.storageSize, storageClassName: k.storageClass },
    ingress: { enabled: k.ingressEnabled, domainBase: k.domainBase },
    ...(Object.keys(k.placement.nodeSelector).length || k.placement.tolerations.length ? { placement: k.placement } : {}),
  };
}

/** repo:tag, or repo@sha256:... when the "tag" is a manifest digest (an image pinned by digest). */
export function imageRef(repo: string, tagOrDigest: string): string {
  return tagOrDigest.startsWith("sha256:") ? `${repo}@${tagOrDigest}` : `${repo}:${tagOrDigest}`;
}
