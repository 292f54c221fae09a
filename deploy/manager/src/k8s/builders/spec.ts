import { badRequest, checkModelSettings, type CreateInstanceInput, deriveInstanceToken, type InstanceResources, parseQuantity } from "@clawbox/shared";
import type { ManagerConfig } from "../../config.ts";
import { SECRET_KEYS } from "./pod-layout.ts";
import type { InstanceSpec } from "./types.ts";

/**
 * Gateway container defaults, from measured figures (the chart's values.yaml has the same numbers;
 * deploy/helm/test/chart-vs-builders.test.ts compares them):
 * - memory request 1280Mi (1.25 GiB): a gateway with Xvfb and Chromium idles at ~0.8-1.0 GB and
 *   peaked at 1.14 GB in the reference measurements of issue 11. Autopilot
 *   places and bills by the request, so it covers the working set; the old 512Mi overcommitted
 *   every node that packed gateways by their requests.
 * - memory limit 2560Mi (2.5 GiB): a bench on the real node saw the gateway OOM-killed at a 2Gi
 *   limit under back-to-back chat (Chromium renderers + model streaming on top of the idle set);
 *   2.5 GiB leaves ~1.4 GB over the peak. Memory can't be throttled, only killed, so headroom matters.
 * - cpu 250m request, 1 core limit: idle gateways use little CPU; a cold start or a page render
 *   bursts to a core. Pod CPU:memory (with the agent) stays inside Autopilot's 1:1..1:6.5 range.
 */
export const DEFAULT_RESOURCES: InstanceSpec["resources"] = {
  requests: { cpu: "250m", memory: "1280Mi" },
  limits: { cpu: "1", memory: "2560Mi" },
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
    managerNamespace: k.managerNamespace,
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
