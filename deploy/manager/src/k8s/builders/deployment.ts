import { createHash } from "node:crypto";
import { instanceNames } from "@clawbox/shared";
import { instanceLabels, selectorLabels } from "./labels.ts";
import {
  AGENT_PORT,
  AGENT_RESOURCES,
  COMPILE_CACHE_DIR,
  CONFIG_PATH,
  GATEWAY_PORT,
  HOME_DIR,
  NOVNC_PORT,
  POD_UID,
  PROBES,
  SECRET_KEYS,
  SEED_CONFIG,
  SEED_DIR,
  STATE_DIR,
  TERMINATION_GRACE_SECONDS,
} from "./pod-layout.ts";
import { buildConfigMap } from "./configmap.ts";
import { buildModelSecret } from "./model-secret.ts";
import { secretData } from "./secret.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/**
 * Pod template annotation that changes when the Secret's content changes, so a POST with new
 * secrets rolls the pod (env from a Secret is read only at container start). A hash, never the values.
 */
export const SECRET_HASH_ANNOTATION = "openclaw.ai/secret-hash";

/** Same for the model Secret and the model part of the ConfigMap: a model change restarts the pod. */
export const MODEL_HASH_ANNOTATION = "openclaw.ai/model-hash";

export function modelHash(spec: InstanceSpec): string {
  return createHash("sha256").update(JSON.stringify([buildModelSecret(spec).data, buildConfigMap(spec).data])).digest("hex").slice(0, 32);
}

export function secretHash(spec: InstanceSpec): string {
  const data = secretData(spec);
  const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

const containerSecurity = {
  runAsNonRoot: true,
  runAsUser: POD_UID,
  runAsGroup: POD_UID,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

const secretRef = (name: string, key: string) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } });

export function buildDeployment(spec: InstanceSpec): KubeObject {
  const names = instanceNames(spec.userId);
  const labels = instanceLabels(spec.userId);
  const dataMounts = [
    { name: "data", mountPath: STATE_DIR },
    { name: "tmp", mountPath: "/tmp" },
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: names.deployment, namespace: spec.namespace, labels },
    spec: {
      replicas: 1,
      // The data volume is ReadWriteOnce: the old pod must be gone before the new one mounts it.
      strategy: { type: "Recreate" },
      revisionHistoryLimit: 2,
      selector: { matchLabels: selectorLabels(spec.userId) },
      template: {
        metadata: { labels, annotations: { [SECRET_HASH_ANNOTATION]: secretHash(spec), [MODEL_HASH_ANNOTATION]: modelHash(spec) } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(spec.placement && Object.keys(spec.placement.nodeSelector).length ? { nodeSelector: spec.placement.nodeSelector } : {}),
          ...(spec.placement?.tolerations.length ? { tolerations: spec.placement.tolerations } : {}),
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: POD_UID,
            runAsGroup: POD_UID,
            fsGroup: POD_UID,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "gateway",
              image: spec.image,
              imagePullPolicy: "IfNotPresent",
              // The image's entrypoint is deploy/scripts/gke-entrypoint.sh (Xvfb, x11vnc, noVNC, gateway).
              ports: [{ name: "novnc", containerPort: NOVNC_PORT, protocol: "TCP" }],
              env: [
                { name: "OPENCLAW_STATE_DIR", value: STATE_DIR },
                { name: "OPENCLAW_CONFIG_PATH", value: CONFIG_PATH },
                { name: "OPENCLAW_CONFIG_SEED", value: SEED_CONFIG },
                { name: "OPENCLAW_GATEWAY_PORT", value: String(GATEWAY_PORT) },
                { name: "HOME", value: HOME_DIR },
                { name: "DISPLAY", value: ":99" },
                { name: "NODE_COMPILE_CACHE", value: COMPILE_CACHE_DIR },
                { name: "OPENCLAW_DISABLE_BONJOUR", value: "1" },
                { name: "OPENCLAW_NO_RESPAWN", value: "1" },
                { name: "OPENCLAW_NO_AUTO_UPDATE", value: "1" },
              ],
              // The user's secrets, OPENCLAW_GATEWAY_TOKEN and the model key, as env (gateway only).
              envFrom: [{ secretRef: { name: names.secret } }, { secretRef: { name: names.modelSecret } }],
              resources: spec.resources,
              // Probes hit the agent's port (shared pod network), which relays them to the gateway's
              // own /startupz and /healthz; they sit on this container so a failing gateway is the one restarted.
              startupProbe: {
                httpGet: { path: PROBES.startup, port: AGENT_PORT },
                periodSeconds: 5,
                timeoutSeconds: 3,
                // Cold start is ~15-30 s; allow up to 5 minutes before the kubelet gives up.
                failureThreshold: 60,
              },
              readinessProbe: {
                httpGet: { path: PROBES.readiness, port: AGENT_PORT },
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: PROBES.liveness, port: AGENT_PORT },
                periodSeconds: 30,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              securityContext: containerSecurity,
              // Chromium's shared memory: a memory-backed /dev/shm instead of the runtime's 64 MiB default.
              volumeMounts: [...dataMounts, { name: "seed", mountPath: SEED_DIR, readOnly: true }, { name: "dshm", mountPath: "/dev/shm" }],
            },
            {
              name: "agent",
              image: spec.image,
              imagePullPolicy: "IfNotPresent",
              command: ["node", "/opt/clawbox/agent/dist/main.js"],
              ports: [{ name: "agent", containerPort: AGENT_PORT, protocol: "TCP" }],
              env: [
                { name: "AGENT_PORT", value: String(AGENT_PORT) },
                { name: "GATEWAY_URL", value: `ws://127.0.0.1:${GATEWAY_PORT}` },
                { name: "OPENCLAW_STATE_DIR", value: STATE_DIR },
                { name: "HOME", value: HOME_DIR },
                secretRef(names.secret, SECRET_KEYS.gatewayToken),
                { name: "AGENT_TOKEN", valueFrom: { secretKeyRef: { name: names.secret, key: SECRET_KEYS.agentToken } } },
              ],
              resources: AGENT_RESOURCES,
              readinessProbe: { httpGet: { path: PROBES.agent, port: AGENT_PORT }, periodSeconds: 10, timeoutSeconds: 2 },
              livenessProbe: { httpGet: { path: PROBES.agent, port: AGENT_PORT }, periodSeconds: 30, timeoutSeconds: 3, failureThreshold: 3 },
              securityContext: containerSecurity,
              volumeMounts: dataMounts,
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: names.pvc } },
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
            { name: "seed", configMap: { name: names.configMap } },
            // tmpfs pages count against the gateway's memory limit; the cap keeps a runaway renderer inside it.
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
          ],
        },
      },
    },
  };
}
