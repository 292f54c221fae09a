// The platform chart installs on the test cluster: the Manager (with its RBAC, its admission
// policy and its NetworkPolicy) and the App API come up, and helm uninstall removes them. Uses a
// platform namespace and an instance namespace of its own, so it never touches clawbox-system or
// openclaw, which other tests share.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl as kubectlIn } from "../../../test/cluster/cluster.ts";
import { REPO_ROOT } from "./helm.ts";

const NS = "platform-chart-test";
const INSTANCES = "platform-chart-users";
const kubeconfig = inject("kubeconfig");
const helmBin = inject("helmPath");
const kubectl = (args: string[]) => kubectlIn(kubeconfig, args);

function helm(args: string[]) {
  const r = spawnSync(helmBin, [...args, "--kubeconfig", kubeconfig], { cwd: REPO_ROOT, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Pod = { metadata: { name: string; labels: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } };

function readyPods(): Pod[] {
  const pods = (JSON.parse(kubectl(["get", "pods", "-n", NS, "-o", "json"])) as { items: Pod[] }).items;
  return pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

describe("platform chart on the test cluster", () => {
  beforeAll(() => {
    kubectl(["create", "namespace", NS]);
    kubectl(["create", "namespace", INSTANCES]);
  });
  afterAll(() => {
    helm(["uninstall", "openclaw-platform", "-n", NS]);
    kubectl(["delete", "namespace", NS, "--wait=false"]);
    kubectl(["delete", "namespace", INSTANCES, "--wait=false"]);
  });

  it("installs the Manager and the App API, whose pods become Ready", async () => {
    const r = helm(["install", "openclaw-platform", join(REPO_ROOT, "deploy", "helm", "platform"), "-n", NS, "--set", `instanceNamespace=${INSTANCES}`]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const names = kubectl(["get", "serviceaccounts,configmaps,deployments,services,networkpolicies", "-n", NS, "-o", "name"]).split("\n").filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining([
        "serviceaccount/openclaw-manager",
        "configmap/openclaw-instance-policy",
        "deployment.apps/openclaw-manager",
        "deployment.apps/openclaw-api",
        "service/openclaw-manager",
        "service/openclaw-api",
        "networkpolicy.networking.k8s.io/openclaw-manager",
        "networkpolicy.networking.k8s.io/openclaw-api",
      ]),
    );
    // The Manager's rights live in the instance namespace only.
    expect(kubectl(["get", "roles,rolebindings", "-n", INSTANCES, "-o", "name"]).split("\n").filter(Boolean).sort()).toEqual([
      "role.rbac.authorization.k8s.io/openclaw-manager",
      "rolebinding.rbac.authorization.k8s.io/openclaw-manager",
    ]);
    expect(kubectl(["get", "roles,rolebindings", "-n", NS, "-o", "name"]).trim()).toBe("");
    expect(kubectl(["get", "validatingadmissionpolicies,validatingadmissionpolicybindings", "-o", "name"])).toContain(`openclaw-manager.${NS}`);
    const deadline = Date.now() + 90_000;
    let ready: Pod[] = [];
    while (Date.now() < deadline) {
      ready = readyPods();
      if (ready.length === 3) break;
      await sleep(250);
    }
    // One Manager and two App API replicas.
    expect(ready.map((p) => p.metadata.labels["app.kubernetes.io/name"]).sort()).toEqual(["openclaw-api", "openclaw-api", "openclaw-manager"]);
    // The Manager's ServiceAccount got exactly the rights rbac.yaml grants.
    const can = (verb: string, resource: string, ns: string) =>
      spawnSync(inject("kubectlPath"), ["--kubeconfig", kubeconfig, "auth", "can-i", verb, resource, "-n", ns, `--as=system:serviceaccount:${NS}:openclaw-manager`], { encoding: "utf8" }).stdout.trim();
    expect(can("patch", "deployments.apps", INSTANCES)).toBe("yes");
    expect(can("get", "secrets", INSTANCES)).toBe("no");
    // Nothing in its own namespace: not the platform's Secrets, not its own or the API's Deployment.
    expect(can("get", "secrets", NS)).toBe("no");
    expect(can("patch", "deployments.apps", NS)).toBe("no");
  });

  it("uninstalls cleanly", () => {
    const r = helm(["uninstall", "openclaw-platform", "-n", NS, "--wait"]);
    expect(r.status).toBe(0);
    // Only the namespace's own default ServiceAccount is left.
    expect(kubectl(["get", "deployments,services,serviceaccounts,roles,rolebindings,networkpolicies", "-n", NS, "-o", "name"]).trim()).toBe("serviceaccount/default");
    expect(kubectl(["get", "roles,rolebindings", "-n", INSTANCES, "-o", "name"]).trim()).toBe("");
    expect(kubectl(["get", "validatingadmissionpolicies,validatingadmissionpolicybindings", "-o", "name"])).not.toContain(`openclaw-manager.${NS}`);
  });
});
