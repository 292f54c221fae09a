// The instance chart without a cluster: helm lint, helm template and the values schema
// (helm is a local binary here, so these are unit tests).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { byKind, CHART_DIR, helm, helmPath, renderArgs, renderChart, REPO_ROOT, USER_EXAMPLE, type K8sObject } from "./helm.ts";

type Container = {
  name: string;
  command?: string[];
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef: { name: string } }[];
  securityContext?: Record<string, unknown>;
  startupProbe?: { httpGet: { path: string; port: number | string } };
  readinessProbe?: { httpGet: { path: string; port: number | string } };
  livenessProbe?: { httpGet: { path: string; port: number | string } };
};
type PodSpec = {
  containers: Container[];
  securityContext: Record<string, unknown>;
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  volumes: { name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
};

const podSpec = (objects: K8sObject[]) =>
  (byKind(objects, "Deployment") as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const secretText = (objects: K8sObject[], key: string) =>
  Buffer.from((byKind(objects, "Secret") as unknown as { data: Record<string, string> }).data[key]!, "base64").toString();

describe("helm lint", () => {
  it("is clean with the example values", async () => {
    const r = await helm(["lint", CHART_DIR, "-f", USER_EXAMPLE]);
    expect(r.stderr + r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });

  it("is clean with the Ingress on", async () => {
    const r = await helm(["lint", CHART_DIR, "-f", USER_EXAMPLE, "--set", "ingress.enabled=true"]);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });
});

describe("helm template", () => {
  it("renders no Ingress by default: the guide's Step 10 command prints 0 (1 with ingress.enabled=true)", async () => {
    const helmBin = await helmPath();
    // The exact pipeline of the guide, run by a shell from the repo root.
    const pipeline = (extra: string) =>
      spawnSync(
        "bash",
        ["-c", `"${helmBin}" template test deploy/helm/openclaw/ -f deploy/helm/users/user-example.yaml${extra} | grep -c "kind: Ingress"`],
        { cwd: REPO_ROOT, encoding: "utf8" },
      ).stdout.trim();
    expect(pipeline("")).toBe("0");
    expect(pipeline(" --set ingress.enabled=true")).toBe("1");
  });

  it("renders every object of the instance, named from userId", async () => {
    const objects = await renderChart({ valuesFiles: [USER_EXAMPLE] });
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        "ConfigMap/example-openclaw",
        "Deployment/example-openclaw",
        "NetworkPolicy/example-openclaw",
        "PersistentVolumeClaim/example-openclaw-data",
        "Secret/example-openclaw",
        "Service/example-openclaw",
      ].sort(),
    );
  });

  it("adds the Ingress and the ManagedCertificate with ingress.enabled=true", async () => {
    const objects = await renderChart({ valuesFiles: [USER_EXAMPLE], set: { "ingress.enabled": "true" } });
    const ingress = byKind(objects, "Ingress") as unknown as K8sObject & { spec: { rules: { host: string }[] } };
    const cert = byKind(objects, "ManagedCertificate") as unknown as { apiVersion: string; spec: { domains: string[] } };
    expect(ingress.metadata.name).toBe("example-openclaw");
    expect(cert.apiVersion).toBe("networking.gke.io/v1");
    expect(cert.spec.domains).toEqual([ingress.spec.rules[0]!.host]);
    expect(ingress.spec.rules[0]!.host).toBe("example.openclaw.zazz.buzz");
  });

  it("labels every object for the user, with managed-by Helm", async () => {
    const objects = await renderChart({ valuesFiles: [USER_EXAMPLE], set: { "ingress.enabled": "true" } });
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}`).toEqual({
        "openclaw.ai/user": "example",
        "app.kubernetes.io/name": "openclaw",
        "app.kubernetes.io/instance": "example-openclaw",
        "app.kubernetes.io/component": "gateway",
        "app.kubernetes.io/managed-by": "Helm",
      });
    }
  });

  it("keeps the PVC on helm uninstall", async () => {
    const pvc = byKind(await renderChart({ valuesFiles: [USER_EXAMPLE] }), "PersistentVolumeClaim");
    expect((pvc.metadata.annotations as Record<string, string>)["helm.sh/resource-policy"]).toBe("keep");
  });

  it("runs a hardened pod: gateway + agent, probes through the agent", async () => {
    const pod = podSpec(await renderChart({ valuesFiles: [USER_EXAMPLE] }));
    expect(pod.containers.map((c) => c.name)).toEqual(["gateway", "agent"]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    }
    const agent = pod.containers.find((c) => c.name === "agent")!;
    expect(agent.ports).toContainEqual(expect.objectContaining({ name: "agent", containerPort: 3100 }));
    // ARCHITECTURE.md: the agent is plain JS built into the image (Dockerfile.gke).
    expect(agent.command).toEqual(["node", "/opt/clawbox/agent/dist/main.js"]);
    const gateway = pod.containers.find((c) => c.name === "gateway")!;
    expect(gateway.ports).toEqual([expect.objectContaining({ name: "novnc", containerPort: 6080 })]);
    // Probes go to the agent port, which relays them to the gateway's own endpoints.
    expect(gateway.startupProbe!.httpGet).toEqual({ path: "/gateway/startupz", port: 3100 });
    expect(gateway.readinessProbe!.httpGet).toEqual({ path: "/gateway/startupz", port: 3100 });
    expect(gateway.livenessProbe!.httpGet).toEqual({ path: "/gateway/healthz", port: 3100 });
    expect(pod.volumes).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "2Gi" } });
  });

  it("puts the user's secrets and both tokens in the Secret, the gateway reading its own", async () => {
    const objects = await renderChart({
      valuesFiles: [USER_EXAMPLE],
      setString: { gatewayToken: "gw-token", agentToken: "agent-token" },
    });
    expect(secretText(objects, "ANTHROPIC_API_KEY")).toBe("sk-ant-...");
    expect(secretText(objects, "OPENCLAW_GATEWAY_TOKEN")).toBe("gw-token");
    expect(secretText(objects, "CLAWBOX_AGENT_TOKEN")).toBe("agent-token");
    const [gateway, agent] = podSpec(objects).containers;
    expect(gateway!.envFrom).toEqual([{ secretRef: { name: "example-openclaw" } }]);
    expect(agent!.env).toContainEqual({ name: "AGENT_TOKEN", valueFrom: { secretKeyRef: { name: "example-openclaw", key: "CLAWBOX_AGENT_TOKEN" } } });
    expect(agent!.envFrom).toBeUndefined();
  });

  it("generates distinct random tokens when none are given (no cluster to look up)", async () => {
    const objects = await renderChart({ valuesFiles: [USER_EXAMPLE] });
    const gw = secretText(objects, "OPENCLAW_GATEWAY_TOKEN");
    const agent = secretText(objects, "CLAWBOX_AGENT_TOKEN");
    expect(gw).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(agent).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(gw).not.toBe(agent);
  });

  it("seeds the gateway config as JSON in the ConfigMap", async () => {
    const cm = byKind(await renderChart({ valuesFiles: [USER_EXAMPLE] }), "ConfigMap") as unknown as { data: Record<string, string> };
    const config = JSON.parse(cm.data["openclaw.json"]!);
    expect(config.gateway).toMatchObject({ bind: "loopback", port: 18789, auth: { mode: "token" } });
  });
});

describe("values schema", () => {
  const refused: [string, Record<string, string>, Record<string, string>, RegExp][] = [
    ["no userId", {}, {}, /userId/],
    ["an upper-case userId", { userId: "Alice" }, {}, /\/userId.*does not match pattern/],
    ["a userId ending in '-'", { userId: "alice-" }, {}, /\/userId.*does not match pattern/],
    ["a 50-character userId", { userId: "a".repeat(50) }, {}, /\/userId.*maxLength/],
    ["a secret named like an env var it is not", { userId: "alice", "secrets.bad-name": "x" }, {}, /bad-name/],
    ["a secret overriding the gateway token", { userId: "alice", "secrets.OPENCLAW_GATEWAY_TOKEN": "x" }, {}, /OPENCLAW_GATEWAY_TOKEN/],
    ["ingress.enabled as a string", { userId: "alice" }, { "ingress.enabled": "yes" }, /\/ingress\/enabled.*want boolean/],
    ["a malformed volume size", { userId: "alice" }, { "persistence.size": "ten" }, /\/persistence\/size/],
    ["an unknown resource name", { userId: "alice" }, { "resources.limits.gpu": "1" }, /resources/],
  ];

  it.each(refused)("refuses %s with a message naming the field", async (_what, setString, set, message) => {
    const r = await helm(renderArgs({ setString, set }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toMatch(message);
  });

  it("accepts the longest userId (49 characters)", async () => {
    const objects = await renderChart({ setString: { userId: "a".repeat(49) } });
    expect(byKind(objects, "PersistentVolumeClaim").metadata.name).toHaveLength(63);
  });

  it("refuses bad values on helm install too (before touching a cluster)", async () => {
    const r = await helm(["install", "x-openclaw", CHART_DIR, "--set-string", "userId=Bad_User", "--dry-run=client"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/userId.*does not match pattern/);
  });
});
