import type { ModelSettings, ProviderBaseUrls } from "@clawbox/shared";

/**
 * The input of every builder. A plain, fully resolved description of one user's instance: no
 * defaults are applied inside the builders, so the Helm chart (deploy/helm/openclaw) can render
 * the same values and compare its output with buildInstanceObjects(spec) field by field.
 * Build one from the Manager's config and a POST body with instanceSpecFromInput() (spec.ts).
 */
export interface InstanceSpec {
  /** DNS-1123 label, at most 49 characters (assertUserId). */
  userId: string;
  namespace: string;
  /** The platform's namespace (the Manager's pods): the only source the NetworkPolicy admits. */
  managerNamespace: string;
  /** Full image reference of both containers, e.g. "<OPENCLAW_IMAGE_REPO>:<tag>". */
  image: string;
  /** The user's env-style secrets (ANTHROPIC_API_KEY, ...). Written only into the Secret. */
  secrets: Record<string, string>;
  /** Derived tokens (deriveInstanceToken): OPENCLAW_GATEWAY_TOKEN and CLAWBOX_AGENT_TOKEN. */
  tokens: { gateway: string; agent: string };
  /** Requests/limits of the gateway container (the agent sidecar has fixed small ones). */
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
  };
  storage: {
    size: string;
    /** Omitted from the PVC when empty: the cluster's default StorageClass applies. */
    storageClassName: string;
  };
  /** The assistant's model, checked (checkModelSettings); its apiKey goes only into the model Secret. */
  model?: ModelSettings;
  /** Operator settings every gateway gets (the Manager's config.gateway). */
  gateway: { telegramApiRoot?: string; providerBaseUrls: ProviderBaseUrls };
  /** Node selector and tolerations of the pod (the Manager's OPENCLAW_NODE_SELECTOR / OPENCLAW_TOLERATIONS); omitted = anywhere. */
  placement?: {
    nodeSelector: Record<string, string>;
    tolerations: { key: string; operator: "Equal" | "Exists"; value?: string; effect: string }[];
  };
  ingress: {
    enabled: boolean;
    /** Host is `<userId>.<domainBase>`. */
    domainBase: string;
  };
}

/** A Kubernetes object as plain JSON, exactly what the API server receives. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
