// The optional platform chart (deploy/helm/platform) must render exactly the platform manifests
// the guide applies with kubectl, so both install paths give the same cluster. No differences
// are allowed.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffObjectSets } from "./compare.ts";
import { helm, parseObjects, REPO_ROOT, type K8sObject } from "./helm.ts";

const PLATFORM_CHART = join(REPO_ROOT, "deploy", "helm", "platform");
const MANIFEST_DIRS = [join(REPO_ROOT, "deploy", "manager", "k8s"), join(REPO_ROOT, "deploy", "api", "k8s")];

function manifests(): K8sObject[] {
  return MANIFEST_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => parseObjects(readFileSync(join(dir, f), "utf8"))),
  );
}

async function renderPlatform(set: string[] = []): Promise<K8sObject[]> {
  const r = await helm(["template", "openclaw-platform", PLATFORM_CHART, "--namespace", "clawbox-system", ...set.flatMap((s) => ["--set", s])]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}

describe("platform chart vs the platform manifests", () => {
  it("lints clean", async () => {
    const r = await helm(["lint", PLATFORM_CHART]);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });

  it("renders the same objects as deploy/manager/k8s/*.yaml and deploy/api/k8s/*.yaml, field by field", async () => {
    const chart = await renderPlatform();
    expect(chart.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/openclaw-instance-policy",
      "Deployment/openclaw-api",
      "Deployment/openclaw-manager",
      "NetworkPolicy/openclaw-api",
      "NetworkPolicy/openclaw-manager",
      "Role/openclaw-manager",
      "RoleBinding/openclaw-manager",
      "Service/openclaw-api",
      "Service/openclaw-manager",
      "ServiceAccount/openclaw-manager",
      "ValidatingAdmissionPolicy/openclaw-manager-services.clawbox-system",
      "ValidatingAdmissionPolicy/openclaw-manager.clawbox-system",
      "ValidatingAdmissionPolicyBinding/openclaw-manager-services.clawbox-system",
      "ValidatingAdmissionPolicyBinding/openclaw-manager.clawbox-system",
    ]);
    expect(diffObjectSets(chart, manifests(), ["platform chart", "manifests"])).toEqual([]);
  });

  it("reports a manifest change the chart does not have", async () => {
    const edited = manifests();
    const deployment = edited.find((o) => o.kind === "Deployment" && o.metadata.name === "openclaw-manager") as any;
    deployment.spec.template.spec.containers[0].env.push({ name: "EXTRA", value: "1" });
    const diff = diffObjectSets(await renderPlatform(), edited, ["platform chart", "manifests"]);
    expect(diff).toEqual(['Deployment/openclaw-manager: spec.template.spec.containers[0].env[11]: undefined != {"name":"EXTRA","value":"1"}']);
  });

  it("can install the Manager or the App API alone", async () => {
    const managerOnly = await renderPlatform(["api.enabled=false"]);
    expect(managerOnly.some((o) => o.metadata.name === "openclaw-api")).toBe(false);
    const apiOnly = await renderPlatform(["manager.enabled=false"]);
    expect(apiOnly.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(["Deployment/openclaw-api", "NetworkPolicy/openclaw-api", "Service/openclaw-api"]);
  });

  it("reports a chart value that changes the Manager", async () => {
    const diff = diffObjectSets(await renderPlatform(["manager.ingressEnabled=true"]), manifests(), ["platform chart", "manifests"]);
    expect(diff).toEqual(['Deployment/openclaw-manager: spec.template.spec.containers[0].env[3].value: "true" != "false"']);
  });

  it("puts the Manager's rights in the instance namespace only and names its admission policy after the platform namespace", async () => {
    const chart = await renderPlatform(["instanceNamespace=staging-users"]);
    const where = (kind: string) => chart.filter((o) => o.kind === kind).map((o) => (o.metadata as { namespace?: string }).namespace);
    expect(where("Role")).toEqual(["staging-users"]);
    expect(where("RoleBinding")).toEqual(["staging-users"]);
    expect(where("ServiceAccount")).toEqual(["clawbox-system"]);
    expect(where("Deployment")).toEqual(["clawbox-system", "clawbox-system"]);
    const manager = chart.find((o) => o.kind === "Deployment" && o.metadata.name === "openclaw-manager") as any;
    const env = Object.fromEntries(manager.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.OPENCLAW_NAMESPACE).toBe("staging-users");
    expect(env.OPENCLAW_MANAGER_NAMESPACE).toEqual({ fieldRef: { fieldPath: "metadata.namespace" } });
    // The Manager's image repository and the policy's parameter are one value.
    expect(env.OPENCLAW_IMAGE_REPO).toEqual({ configMapKeyRef: { name: "openclaw-instance-policy", key: "imageRepo" } });
    expect(env.OPENCLAW_TOKEN_SECRET).toEqual({ secretKeyRef: { name: "openclaw-manager", key: "TOKEN_SECRET" } });
    const other = await helm(["template", "p", PLATFORM_CHART, "--namespace", "platform-b"]);
    const policies = parseObjects(other.stdout).filter((o) => o.kind === "ValidatingAdmissionPolicy") as any[];
    expect(policies.map((p) => p.metadata.name)).toEqual(["openclaw-manager.platform-b", "openclaw-manager-services.platform-b"]);
    for (const p of policies) expect(p.spec.matchConditions[0].expression).toBe("request.userInfo.username == 'system:serviceaccount:platform-b:openclaw-manager'");
  });
});
