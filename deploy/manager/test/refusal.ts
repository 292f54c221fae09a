/**
 * Failure injection on the real test cluster: a ValidatingAdmissionPolicy that makes the API
 * server refuse one kind of object for one user (the same admission path a real policy, quota or
 * webhook takes), and a listing of everything labelled for a user, as the admin sees it.
 */
import { instanceNames } from "@clawbox/shared";
import type { KubeClient } from "../src/k8s/client.ts";
import { NAMESPACE, poll } from "./harness.ts";

const VAP = "/apis/admissionregistration.k8s.io/v1";
const TEST_MANAGER = "clawbox-test";

const refusable = {
  ConfigMap: { group: "", version: "v1", plural: "configmaps", prefix: "/api/v1" },
  Deployment: { group: "apps", version: "v1", plural: "deployments", prefix: "/apis/apps/v1" },
} as const;
export type RefusedKind = keyof typeof refusable;

function probeObject(kind: RefusedKind, userId: string): object {
  const metadata = { name: `probe-${userId}`, labels: { "openclaw.ai/user": userId } };
  if (kind === "ConfigMap") return { apiVersion: "v1", kind, metadata, data: {} };
  const labels = { "clawbox.test/probe": userId };
  return {
    apiVersion: "apps/v1",
    kind,
    metadata,
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x" }] } } },
  };
}

/** Makes the API server refuse CREATE/UPDATE of `kind` objects labelled for `userId`; resolves once in force. */
export async function refuse(admin: KubeClient, kind: RefusedKind, userId: string): Promise<() => Promise<void>> {
  const r = refusable[kind];
  const name = `clawbox-test-refuse-${kind.toLowerCase()}-${userId}`;
  await admin.apply(`${VAP}/validatingadmissionpolicies/${name}`, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { resourceRules: [{ apiGroups: [r.group], apiVersions: [r.version], operations: ["CREATE", "UPDATE"], resources: [r.plural] }] },
      matchConditions: [{ name: "user", expression: `has(object.metadata.labels) && 'openclaw.ai/user' in object.metadata.labels && object.metadata.labels['openclaw.ai/user'] == '${userId}'` }],
      validations: [{ expression: "false", message: `test policy refuses ${kind} objects of ${userId}` }],
    },
  }, TEST_MANAGER);
  await admin.apply(`${VAP}/validatingadmissionpolicybindings/${name}`, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name },
    spec: { policyName: name, validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACE } } } },
  }, TEST_MANAGER);
  // Policies take effect a moment after they are stored: probe with a server-side dry run.
  const probe = () => {
    const path = `${r.prefix}/namespaces/${NAMESPACE}/${r.plural}/probe-${userId}?fieldManager=${TEST_MANAGER}&dryRun=All`;
    return admin.request("apply", "PATCH", path, { body: probeObject(kind, userId), contentType: "application/apply-patch+yaml" }).then(
      () => "admitted",
      (e) => (String(e?.message).includes("test policy refuses") ? "refused" : `error ${e?.message}`),
    );
  };
  await poll(`the policy refusing ${kind} of ${userId}`, async () => (await probe()) === "refused", 30_000, 200);
  // Lifting it also takes a moment to reach the API server's admission: resolves once admitted again.
  return async () => {
    for (const p of [`${VAP}/validatingadmissionpolicybindings/${name}`, `${VAP}/validatingadmissionpolicies/${name}`]) {
      await admin.request("delete", "DELETE", p).catch(() => undefined);
    }
    await poll(`the policy refusing ${kind} of ${userId} lifted`, async () => (await probe()) === "admitted", 30_000, 200);
  };
}

const LABELLED = [
  "/api/v1/namespaces/NS/secrets",
  "/api/v1/namespaces/NS/configmaps",
  "/api/v1/namespaces/NS/services",
  "/api/v1/namespaces/NS/persistentvolumeclaims",
  "/apis/apps/v1/namespaces/NS/deployments",
  "/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies",
  "/apis/networking.k8s.io/v1/namespaces/NS/ingresses",
  "/apis/networking.gke.io/v1/namespaces/NS/managedcertificates",
];

/** "Kind/name" of every object labelled for the user (terminating ones excluded), as the admin lists them. */
export async function labelledFor(admin: KubeClient, userId: string): Promise<string[]> {
  const out: string[] = [];
  const selector = encodeURIComponent(`openclaw.ai/user=${userId}`);
  for (const p of LABELLED) {
    const res = await admin.request<{ kind: string; items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(
      "list",
      "GET",
      `${p.replace("NS", NAMESPACE)}?labelSelector=${selector}`,
    );
    const kind = res.body.kind.replace(/List$/, "");
    for (const i of res.body.items) if (!i.metadata.deletionTimestamp) out.push(`${kind}/${i.metadata.name}`);
  }
  return out.sort();
}

/** The labelledFor() entry of a user's data claim. */
export const pvcOf = (userId: string) => `PersistentVolumeClaim/${instanceNames(userId).pvc}`;
