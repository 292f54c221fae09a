// The instance chart without a cluster: helm lint, helm template and the values schema
// (helm is a local binary here, so these are unit tests).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { deriveInstanceToken } from "@clawbox/shared";
import { byKind, CHART_DIR, helm, helmPath, renderArgs, renderChart, REPO_ROOT, USER_EXAMPLE, type K8sObject } from "./helm.ts";

// The example file names no token source on purpose (deploy-user.sh brings one); renders add it.
const TOKEN_SECRET = "chart-test-token-secret";
const EXAMPLE = { valuesFiles: [USER_EXAMPLE], setString: { tokenSecret: TOKEN_SECRET } };

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
const secretNamed = (objects: K8sObject[], name: string) =>
  objects.find((o) => o.kind === "Secret" && o.metadata.name === name) as unknown as { data: Record<string, string> };
const secretText = (objects: K8sObject[], key: string, name = "example-openclaw") =>
  Buffer.from(secretNamed(objects, name).data[key]!, "base64").toString();

describe("helm lint", () => {
  it("is clean with the example values", async () => {
    const r = await helm(["lint", CHART_DIR, "-f", USER_EXAMPLE, "--set-string", `tokenSecret=${TOKEN_SECRET}`]);
    expect(r.stderr + r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });

  it("is clean with the Ingress on", async () => {
    const r = await helm(["lint", CHART_DIR, "-f", USER_EXAMPLE, "--set-string", `tokenSecret=${TOKEN_SECRET}`, "--set", "ingress.enabled=true"]);
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
        ["-c", `"${helmBin}" template test deploy/helm/openclaw/ -f deploy/helm/users/user-example.yaml --set tokenSecret=any${extra} | grep -c "kind: Ingress"`],
        { cwd: REPO_ROOT, encoding: "utf8" },
      ).stdout.trim();
    expect(pipeline("")).toBe("0");
    expect(pipeline(" --set ingress.enabled=true")).toBe("1");
  });

  it("renders every object of the instance, named from userId", async () => {
    const objects = await renderChart(EXAMPLE);
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        "ConfigMap/example-openclaw",
        "Deployment/example-openclaw",
        "NetworkPolicy/example-openclaw",
        "PersistentVolumeClaim/example-openclaw-data",
        "Secret/example-openclaw",
        "Secret/example-openclaw-model",
        "Service/example-openclaw",
      ].sort(),
    );
  });

  it("adds the Ingress and the ManagedCertificate with ingress.enabled=true", async () => {
    const objects = await renderChart({ ...EXAMPLE, set: { "ingress.enabled": "true" } });
    const ingress = byKind(objects, "Ingress") as unknown as K8sObject & { spec: { rules: { host: string }[] } };
    const cert = byKind(objects, "ManagedCertificate") as unknown as { apiVersion: string; spec: { domains: string[] } };
    expect(ingress.metadata.name).toBe("example-openclaw");
    expect(cert.apiVersion).toBe("networking.gke.io/v1");
    expect(cert.spec.domains).toEqual([ingress.spec.rules[0]!.host]);
    expect(ingress.spec.rules[0]!.host).toBe("example.openclaw.zazz.buzz");
  });

  it("labels every object for the user, with managed-by Helm", async () => {
    const objects = await renderChart({ ...EXAMPLE, set: { "ingress.enabled": "true" } });
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
    const pvc = byKind(await renderChart(EXAMPLE), "PersistentVolumeClaim");
    expect((pvc.metadata.annotations as Record<string, string>)["helm.sh/resource-policy"]).toBe("keep");
  });

  it("runs a hardened pod: gateway + agent, probes through the agent", async () => {
    const pod = podSpec(await renderChart(EXAMPLE));
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

  it("puts the user's secrets and both tokens in the Secret, the model key in its own, the gateway reading both", async () => {
    const objects = await renderChart({
      valuesFiles: [USER_EXAMPLE],
      setString: { gatewayToken: "gw-token", agentToken: "agent-token", "secrets.BRAVE_API_KEY": "brave" },
    });
    expect(secretText(objects, "BRAVE_API_KEY")).toBe("brave");
    expect(secretText(objects, "OPENCLAW_GATEWAY_TOKEN")).toBe("gw-token");
    expect(secretText(objects, "CLAWBOX_AGENT_TOKEN")).toBe("agent-token");
    // The example's model is anthropic: its key under the env name the gateway reads, and only there.
    expect(secretNamed(objects, "example-openclaw-model").data).toEqual({ ANTHROPIC_API_KEY: Buffer.from("sk-ant-...").toString("base64") });
    expect(Object.keys(secretNamed(objects, "example-openclaw").data).sort()).toEqual(["BRAVE_API_KEY", "CLAWBOX_AGENT_TOKEN", "OPENCLAW_GATEWAY_TOKEN"]);
    const [gateway, agent] = podSpec(objects).containers;
    expect(gateway!.envFrom).toEqual([{ secretRef: { name: "example-openclaw" } }, { secretRef: { name: "example-openclaw-model" } }]);
    expect(agent!.env).toContainEqual({ name: "AGENT_TOKEN", valueFrom: { secretKeyRef: { name: "example-openclaw", key: "CLAWBOX_AGENT_TOKEN" } } });
    expect(agent!.envFrom).toBeUndefined();
  });

  it("keeps an empty model Secret without a key, so the pod's envFrom always finds it", async () => {
    const objects = await renderChart({ ...EXAMPLE, setString: { ...EXAMPLE.setString, "model.apiKey": "" } });
    expect(secretNamed(objects, "example-openclaw-model").data).toEqual({});
  });

  it("derives both tokens from tokenSecret exactly as the Manager does, the same on every render", async () => {
    const first = await renderChart(EXAMPLE);
    const second = await renderChart(EXAMPLE);
    expect(secretText(first, "OPENCLAW_GATEWAY_TOKEN")).toBe(deriveInstanceToken(TOKEN_SECRET, "gateway", "example"));
    expect(secretText(first, "CLAWBOX_AGENT_TOKEN")).toBe(deriveInstanceToken(TOKEN_SECRET, "agent", "example"));
    expect(secretNamed(second, "example-openclaw")).toEqual(secretNamed(first, "example-openclaw"));
  });

  it.each([
    ["a key of one byte", "k"],
    ["a key of exactly the 64-byte block", "0123456789".repeat(6) + "abcd"],
    ["a key longer than the block (hashed first)", "0123456789".repeat(6) + "abcde"],
    ["a non-ASCII key with base64 and YAML-special characters", "é€😀 +/= 'quotes' \"dq\" #: -"],
  ])("computes HMAC-SHA256 like Node for %s", async (_what, key) => {
    const objects = await renderChart({ valuesFiles: [USER_EXAMPLE], setString: { userId: "u-1", tokenSecret: key } });
    expect(secretText(objects, "OPENCLAW_GATEWAY_TOKEN", "u-1-openclaw")).toBe(deriveInstanceToken(key, "gateway", "u-1"));
    expect(secretText(objects, "CLAWBOX_AGENT_TOKEN", "u-1-openclaw")).toBe(deriveInstanceToken(key, "agent", "u-1"));
  });

  it("takes a given token over the derived one, each on its own", async () => {
    const objects = await renderChart({ ...EXAMPLE, setString: { ...EXAMPLE.setString, agentToken: "given-agent" } });
    expect(secretText(objects, "CLAWBOX_AGENT_TOKEN")).toBe("given-agent");
    expect(secretText(objects, "OPENCLAW_GATEWAY_TOKEN")).toBe(deriveInstanceToken(TOKEN_SECRET, "gateway", "example"));
  });

  it("seeds the gateway config as JSON in the ConfigMap", async () => {
    const cm = byKind(await renderChart(EXAMPLE), "ConfigMap") as unknown as { data: Record<string, string> };
    const config = JSON.parse(cm.data["openclaw.json"]!);
    expect(config.gateway).toMatchObject({ bind: "loopback", port: 18789, auth: { mode: "token" } });
    expect(config.agents.defaults.model.primary).toBe("anthropic/claude-sonnet-4-5");
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
    ["an unknown model provider", { userId: "alice", "model.provider": "mistral" }, {}, /\/model\/provider.*value must be one of '', 'openrouter', 'anthropic', 'openai', 'openai-compatible'/],
    ["an unknown model setting", { userId: "alice", "model.temperature": "1" }, {}, /\/model.*additional properties 'temperature'/],
    ["a model id with a space", { userId: "alice", "model.provider": "openai", "model.model": "gpt 4" }, {}, /\/model\/model.*does not match pattern/],
    ["a baseUrl that is not http(s)", { userId: "alice", "model.provider": "openai-compatible", "model.model": "m", "model.baseUrl": "ftp://ollama/v1" }, {}, /\/model\/baseUrl.*does not match pattern '\^\(https\?:\/\/\|\$\)'/],
    ["a baseUrl with credentials", { userId: "alice", "model.provider": "openai-compatible", "model.model": "m", "model.baseUrl": "http://user:pw@ollama/v1" }, {}, /\/model\/baseUrl.*does not match pattern/],
    ["a hex IPv4 host Go and JavaScript read differently", { userId: "alice", "telegram.apiRoot": "http://0x7f.0.0.1:8081" }, {}, /\/telegram\/apiRoot.*does not match pattern/],
    ["a provider endpoint for an unknown provider", { userId: "alice", "providerBaseUrls.mistral": "https://x.example.com" }, {}, /\/providerBaseUrls.*additional properties 'mistral'/],
    ["an empty tokenSecret", { userId: "alice", tokenSecret: "" }, {}, /\/tokenSecret.*minLength/],
  ];

  it.each(refused)("refuses %s with a message naming the field", async (_what, setString, set, message) => {
    const r = await helm(renderArgs({ setString: { tokenSecret: TOKEN_SECRET, ...setString }, set }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toMatch(message);
  });

  it("refuses values without a token source, naming tokenSecret and the token pair", async () => {
    const r = await helm(renderArgs({ valuesFiles: [USER_EXAMPLE] }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain("missing property 'tokenSecret'");
    expect(r.stderr).toContain("missing properties 'gatewayToken', 'agentToken'");
  });

  const modelRule: [string, Record<string, string>, string][] = [
    ["model settings without a provider", { "model.model": "gpt-4.1" }, "model.provider is empty but model.model, model.apiKey or model.baseUrl is set"],
    ["a provider without a model id", { "model.provider": "openrouter" }, "model.model is required with model.provider openrouter"],
    ["openai-compatible without a baseUrl", { "model.provider": "openai-compatible", "model.model": "m" }, "model.baseUrl is required for provider openai-compatible"],
    ["a baseUrl on a built-in provider", { "model.provider": "openai", "model.model": "gpt-4.1", "model.baseUrl": "https://proxy.example.com/v1" }, "model.baseUrl is only for provider openai-compatible; a built-in provider's endpoint is providerBaseUrls.openai"],
    ["a link-local baseUrl", { "model.provider": "openai-compatible", "model.model": "m", "model.baseUrl": "http://169.254.169.254/v1" }, "model.baseUrl must not point at a link-local or cloud metadata address"],
    ["a cloud metadata host", { "model.provider": "openai-compatible", "model.model": "m", "model.baseUrl": "http://Metadata.Google.Internal/v1" }, "model.baseUrl must not point at a link-local or cloud metadata address"],
  ];

  it.each(modelRule)("refuses %s, saying which rule (the Manager's checkModelSettings)", async (_what, setString, message) => {
    const r = await helm(renderArgs({ setString: { userId: "alice", tokenSecret: TOKEN_SECRET, ...setString } }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it("accepts the longest userId (49 characters)", async () => {
    const objects = await renderChart({ setString: { userId: "a".repeat(49), tokenSecret: TOKEN_SECRET } });
    expect(byKind(objects, "PersistentVolumeClaim").metadata.name).toHaveLength(63);
  });

  it("refuses bad values on helm install too (before touching a cluster)", async () => {
    const r = await helm(["install", "x-openclaw", CHART_DIR, "--set-string", "userId=Bad_User", "--set-string", `tokenSecret=${TOKEN_SECRET}`, "--dry-run=client"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/userId.*does not match pattern/);
  });
});
