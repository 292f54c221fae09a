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
import { buildBackendConfig } from "../k8s/builders/backend-config.ts";
import { buildConfigMap } from "../k8s/builders/configmap.ts";
import { buildDeployment } from "../k8s/builders/deployment.ts";
import { buildIngress } from "../k8s/builders/ingress.ts";
import { buildManagedCertificate } from "../k8s/builders/managed-certificate.ts";
import { buildNetworkPolicy } from "../k8s/builders/network-policy.ts";
import { buildPvc } from "../k8s/builders/pvc.ts";
import { buildModelSecret } from "../k8s/builders/model-secret.ts";
import { buildSecret } from "../k8s/builders/secret.ts";
import { buildService } from "../k8s/builders/service.ts";
import type { InstanceSpec, KubeObject } from "../k8s/builders/types.ts";

export type { InstanceSpec, KubeObject } from "../k8s/builders/types.ts";
export { BACKEND_CONFIG_ANNOTATION, buildBackendConfig, LB_TIMEOUT_SECONDS } from "../k8s/builders/backend-config.ts";
export { buildConfigMap } from "../k8s/builders/configmap.ts";
export { buildDeployment, MODEL_HASH_ANNOTATION, modelHash, SECRET_HASH_ANNOTATION, secretHash } from "../k8s/builders/deployment.ts";
export { buildModelSecret } from "../k8s/builders/model-secret.ts";
export { buildIngress, instanceHost } from "../k8s/builders/ingress.ts";
export { buildManagedCertificate } from "../k8s/builders/managed-certificate.ts";
export { buildNetworkPolicy, CLOUD_DNS_ADDRESS, DNS_PORTS, dnsPeers, GCLB_RANGES, NODE_LOCAL_DNS_ADDRESS, PRIVATE_RANGES } from "../k8s/builders/network-policy.ts";
export { buildPvc } from "../k8s/builders/pvc.ts";
export { buildSecret, secretData } from "../k8s/builders/secret.ts";
export { buildService } from "../k8s/builders/service.ts";
export { FIELD_MANAGER, instanceLabels, MANAGER_POD_LABELS, selectorLabels, USER_LABEL } from "../k8s/builders/labels.ts";
export * from "../k8s/builders/pod-layout.ts";
export { DEFAULT_RESOURCES, instanceSpecFromInput } from "../k8s/builders/spec.ts";

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
