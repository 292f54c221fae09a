/**
 * Builder entry point (also read by the Helm chart's comparison test).
 *
 *   buildInstanceObjects(spec: InstanceSpec): KubeObject[]
 *
 * Pure: same spec in, same plain-JSON objects out (apiVersion/kind/metadata/spec exactly as the
 * API server receives them; NetworkPolicy peers under `from`/`to`). Order = apply order:
 * Secret, model Secret, ConfigMap, PVC, Service, NetworkPolicy (before any pod exists), Deployment, then
 * Ingress, ManagedCertificate and BackendConfig only when spec.ingress.enabled.
 */
import { buildBackendConfig } from "./backend-config.ts";
import { buildConfigMap } from "./configmap.ts";
import { buildDeployment } from "./deployment.ts";
import { buildIngress } from "./ingress.ts";
import { buildManagedCertificate } from "./managed-certificate.ts";
import { buildNetworkPolicy } from "./network-policy.ts";
import { buildPvc } from "./pvc.ts";
import { buildModelSecret } from "./model-secret.ts";
import { buildSecret } from "./secret.ts";
import { buildService } from "./service.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

export function buildInstanceObjects(spec: InstanceSpec): KubeObject[] {
  const objects = [
    buildSecret(spec),
    buildModelSecret(spec),
    buildConfigMap(spec),
    buildPvc(spec),
    buildService(spec),
    buildNetworkPolicy(spec),
    buildDeployment(spec),
  ];
  if (spec.ingress.enabled) objects.push(buildIngress(spec), buildManagedCertificate(spec), buildBackendConfig(spec));
  return objects;
}
