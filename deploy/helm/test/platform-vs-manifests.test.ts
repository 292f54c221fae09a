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
  const r = await helm(["template", "openclaw-platform", PLATFORM_CHART, "--namespace", "openclaw", ...set.flatMap((s) => ["--set", s])]);
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
      "Deployment/openclaw-api",
      "Deployment/openclaw-manager",
      "Role/openclaw-manager",
      "RoleBinding/openclaw-manager",
      "Service/openclaw-api",
      "Service/openclaw-manager",
      "ServiceAccount/openclaw-manager",
    ]);
    expect(diffObjectSets(chart, manifests(), ["platform chart", "manifests"])).toEqual([]);
  });

  it("reports a manifest change the chart does not have", async () => {
    const edited = manifests();
    const deployment = edited.find((o) => o.kind === "Deployment" && o.metadata.name === "openclaw-manager") as any;
    deployment.spec.template.spec.containers[0].env.push({ name: "EXTRA", value: "1" });
    const diff = diffObjectSets(await renderPlatform(), edited, ["platform chart", "manifests"]);
    expect(diff).toEqual(['Deployment/openclaw-manager: spec.template.spec.containers[0].env[9]: undefined != {"name":"EXTRA","value":"1"}']);
  });

  it("can install the Manager or the App API alone", async () => {
    const managerOnly = await renderPlatform(["api.enabled=false"]);
    expect(managerOnly.some((o) => o.metadata.name === "openclaw-api")).toBe(false);
    const apiOnly = await renderPlatform(["manager.enabled=false"]);
    expect(apiOnly.map((o) => o.metadata.name)).toEqual(["openclaw-api", "openclaw-api"]);
  });

  it("reports a chart value that changes the Manager", async () => {
    const diff = diffObjectSets(await renderPlatform(["manager.ingressEnabled=true"]), manifests(), ["platform chart", "manifests"]);
    expect(diff).toEqual(['Deployment/openclaw-manager: spec.template.spec.containers[0].env[2].value: "true" != "false"']);
  });
});
