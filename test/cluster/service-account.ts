// A kubeconfig for a ServiceAccount, with a short-lived token from the TokenRequest API, so a test
// can run code (the Manager, helm, kubectl) with exactly the rights that RBAC grants that account.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AuthenticationV1TokenRequest, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigJson } from "./pki.ts";

export interface ServiceAccountKubeconfig {
  /** Path of the written kubeconfig (JSON; kubectl, helm and @kubernetes/client-node read it). */
  path: string;
  token: string;
  expiresAt: string;
}

/**
 * Requests a token for `namespace/name` (TokenRequest, as the admin in `adminKubeconfig`) and writes
 * a kubeconfig that uses it as a bearer token, with `namespace` as its default namespace.
 * The file goes next to the admin kubeconfig unless `outFile` is given.
 */
export async function kubeconfigForServiceAccount(
  adminKubeconfig: string,
  namespace: string,
  name: string,
  ttlSeconds = 3600,
  outFile?: string,
): Promise<ServiceAccountKubeconfig> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const body: AuthenticationV1TokenRequest = {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: [], expirationSeconds: Math.max(600, ttlSeconds) },
  };
  const tr = await core.createNamespacedServiceAccountToken({ name, namespace, body });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${adminKubeconfig} has no current cluster`);
  let caData = cluster.caData;
  if (!caData && cluster.caFile) {
    caData = readFileSync(cluster.caFile).toString("base64");
  }
  const path = outFile ?? join(dirname(adminKubeconfig), `sa-${namespace}-${name}.kubeconfig`);
  writeFileSync(
    path,
    kubeconfigJson({
      server: cluster.server,
      caData: caData ?? "",
      user: `system:serviceaccount:${namespace}:${name}`,
      userEntry: { token },
      namespace,
    }),
    { mode: 0o600 },
  );
  return { path, token, expiresAt: tr.status?.expirationTimestamp ? new Date(tr.status.expirationTimestamp).toISOString() : "" };
}
