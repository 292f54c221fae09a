// One definition of an instance: the Helm chart (deploy/helm/openclaw) and the Manager's builders
// (deploy/manager/src/services/k8s-resource-builder.ts) must produce the same objects for the same instance. The
// chart is rendered with `helm template`, the builders are called with the equivalent
// InstanceSpec, and every field of every object is compared. The only differences allowed are
// listed in ALLOWED_DIFFERENCES below, each with its reason; everything else must be equal.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGatewayConfig, deriveInstanceToken, type CreateInstanceInput } from "@clawbox/shared";
import { loadConfig } from "../../manager/src/config.ts";
import { buildInstanceObjects, instanceSpecFromInput, type InstanceSpec } from "../../manager/src/services/k8s-resource-builder.ts";
import { diffObjectSets, type Json } from "./compare.ts";
import { CHART_DIR, helm, parseObjects, renderArgs, type K8sObject } from "./helm.ts";

const MANAGED_BY = "app.kubernetes.io/managed-by";
const TOKEN_SECRET = "chart-vs-builders-token-secret";

/**
 * The differences between the chart and the builders that are intended. Each entry names where,
 * what each side has, and why. normalizeChart/normalizeBuilder check the stated value on each
 * side and then make that one field equal; nothing else is touched.
 */
export const ALLOWED_DIFFERENCES = [
  {
    where: `metadata.labels["${MANAGED_BY}"] of every object and of the pod template`,
    chart: "Helm",
    builders: "openclaw-manager",
    why: "ARCHITECTURE.md: who manages the object; the one listed allowed difference of the label set.",
  },
  {
    where: `PersistentVolumeClaim metadata.annotations["helm.sh/resource-policy"]`,
    chart: "keep",
    builders: "(absent)",
    why: "Helm deletes a release's objects on uninstall; `keep` is how the chart keeps the user's data (deploy-user.sh delete). The Manager keeps the PVC by not deleting it (DELETE ?preservePvc).",
  },
  {
    where: "builder output passed through JSON.parse(JSON.stringify(...))",
    chart: "(YAML parsed to JSON)",
    builders: "(JS objects)",
    why: "Both sides are compared as the JSON the API server receives: keys whose value is undefined do not exist on the wire.",
  },
] as const;

type Obj = K8sObject & { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };

function takeManagedBy(o: Obj, expected: string, side: string): void {
  const where = [o.metadata.labels as Record<string, string> | undefined, o.spec?.template?.metadata?.labels];
  for (const labels of where) {
    if (!labels) continue;
    if (labels[MANAGED_BY] !== expected) throw new Error(`${side} ${o.kind}/${o.metadata.name}: ${MANAGED_BY} is ${labels[MANAGED_BY]}, expected ${expected}`);
    labels[MANAGED_BY] = "(allowed difference)";
  }
}

export function normalizeChart(objects: K8sObject[]): K8sObject[] {
  return structuredClone(objects).map((o: Obj) => {
    takeManagedBy(o, "Helm", "chart");
    if (o.kind === "PersistentVolumeClaim") {
      const annotations = o.metadata.annotations as Record<string, string> | undefined;
      if (annotations?.["helm.sh/resource-policy"] !== "keep") throw new Error("chart PVC lacks helm.sh/resource-policy: keep");
      delete annotations["helm.sh/resource-policy"];
      if (Object.keys(annotations).length === 0) delete o.metadata.annotations;
    }
    return o;
  });
}

export function normalizeBuilder(objects: unknown[]): K8sObject[] {
  return (JSON.parse(JSON.stringify(objects)) as K8sObject[]).map((o: Obj) => {
    takeManagedBy(o, "openclaw-manager", "builders");
    return o;
  });
}

/** One instance described both ways: Manager env + POST body, and the chart's values. */
interface Case {
  name: string;
  managerEnv: Record<string, string>;
  input: CreateInstanceInput;
  values: Record<string, unknown>;
}

const tokensFor = (userId: string) => ({
  gatewayToken: deriveInstanceToken(TOKEN_SECRET, "gateway", userId),
  agentToken: deriveInstanceToken(TOKEN_SECRET, "agent", userId),
});

const CASES: Case[] = [
  {
    // Defaults on both sides: the guide's Helm example against a Manager with no optional env.
    name: "defaults (the guide's values file, ingress off)",
    managerEnv: {},
    input: { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-..." } },
    values: { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-..." }, ...tokensFor("alice") },
  },
  {
    name: "everything set (ingress on, image, storage, resources, secrets with characters JSON escapes differently)",
    managerEnv: {
      OPENCLAW_IMAGE_REPO: "registry.example.com/team/openclaw-gke",
      OPENCLAW_IMAGE_TAG: "2026.9.6-r3",
      OPENCLAW_INGRESS_ENABLED: "true",
      OPENCLAW_DOMAIN_BASE: "claw.example.org",
      OPENCLAW_STORAGE_CLASS: "premium-rwo",
      OPENCLAW_STORAGE_SIZE: "25Gi",
    },
    input: {
      userId: "u-0123456789ab",
      secrets: { OPENROUTER_API_KEY: "sk-or-<a&b>", ANTHROPIC_API_KEY: "line1\nline2 \u2028 \"quoted\" é" },
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
    },
    values: {
      userId: "u-0123456789ab",
      secrets: { OPENROUTER_API_KEY: "sk-or-<a&b>", ANTHROPIC_API_KEY: "line1\nline2 \u2028 \"quoted\" é" },
      image: { repository: "registry.example.com/team/openclaw-gke", tag: "2026.9.6-r3" },
      ingress: { enabled: true },
      domainBase: "claw.example.org",
      persistence: { storageClass: "premium-rwo", size: "25Gi" },
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
      ...tokensFor("u-0123456789ab"),
    },
  },
];

function managerSpec(c: Case): InstanceSpec {
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: "manager-api-key",
    OPENCLAW_TOKEN_SECRET: TOKEN_SECRET,
    OPENCLAW_RUNTIME: "kubernetes",
    ...c.managerEnv,
  });
  return instanceSpecFromInput(config, c.input);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chart-vs-builders-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function renderCase(c: Case, chartDir = CHART_DIR): Promise<K8sObject[]> {
  const file = join(dir, `${c.values.userId as string}.yaml`);
  // JSON is YAML; escape the line/paragraph separators, which YAML parsers refuse raw.
  writeFileSync(file, JSON.stringify(c.values).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029"));
  const args = renderArgs({ valuesFiles: [file], release: `${c.values.userId as string}-openclaw` });
  args[2] = chartDir;
  const r = await helm(args);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}

const compare = (chart: K8sObject[], builders: unknown[]) =>
  diffObjectSets(normalizeChart(chart), normalizeBuilder(builders), ["chart", "builders"]);

describe.each(CASES)("chart vs builders: $name", (c) => {
  it("renders the same objects, field by field", async () => {
    const chart = await renderCase(c);
    const builders = buildInstanceObjects(managerSpec(c));
    expect(compare(chart, builders)).toEqual([]);
    expect(chart.map((o) => o.kind).sort()).toEqual(builders.map((o) => o.kind).sort());
  });
});

describe("chart vs builders: the pieces other code relies on", () => {
  it("seeds exactly buildGatewayConfig()'s JSON (packages/shared/src/gateway-config.ts)", async () => {
    const chart = await renderCase(CASES[0]!);
    const cm = chart.find((o) => o.kind === "ConfigMap") as unknown as { data: Record<string, string> };
    const expected = buildGatewayConfig({ port: 18789, logFile: "/home/node/.openclaw/logs/gateway.log" });
    expect(cm.data["openclaw.json"]).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it("derives the same secret hash from the same tokens, so both sides roll the pod alike", async () => {
    const c = CASES[1]!;
    const hashOf = (objs: unknown[]) =>
      ((objs as Obj[]).find((o) => o.kind === "Deployment") as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } })
        .spec.template.metadata.annotations["openclaw.ai/secret-hash"];
    const chartHash = hashOf(await renderCase(c));
    expect(chartHash).toMatch(/^[0-9a-f]{32}$/);
    expect(chartHash).toBe(hashOf(buildInstanceObjects(managerSpec(c))));
    const changed = { ...c, values: { ...c.values, secrets: { OPENROUTER_API_KEY: "another" } } };
    expect(hashOf(await renderCase(changed))).not.toBe(chartHash);
  });
});

describe("the comparison can fail", () => {
  const c = CASES[1]!;
  // Each mutation must add exactly its own lines to whatever the unmutated comparison reports
  // (nothing, when both sides agree), so these tests isolate the one change they make.
  const added = (mutated: string[], baseline: string[]) => {
    for (const line of baseline) expect(mutated).toContain(line);
    return mutated.filter((line) => !baseline.includes(line));
  };

  it("reports a builder change the chart does not have", async () => {
    const chart = await renderCase(c);
    const builders = normalizeBuilder(buildInstanceObjects(managerSpec(c))) as unknown as Record<string, Json>[];
    // A builder edit: the gateway container's root filesystem made writable.
    const deployment = builders.find((o) => o.kind === "Deployment") as any;
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    // normalizeBuilder already ran: put the managed-by label back so the comparison normalizes it again.
    for (const o of builders as any[]) {
      o.metadata.labels[MANAGED_BY] = "openclaw-manager";
      if (o.spec?.template?.metadata?.labels) o.spec.template.metadata.labels[MANAGED_BY] = "openclaw-manager";
    }
    const baseline = compare(chart, buildInstanceObjects(managerSpec(c)));
    expect(added(compare(chart, builders), baseline)).toEqual([
      "Deployment/u-0123456789ab-openclaw: spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: true != false",
    ]);
  });

  it("reports a chart change the builders do not have", async () => {
    // A chart edit: a copy of the chart whose pod gets a shorter grace period and an extra label.
    const edited = join(dir, "edited-chart");
    cpSync(CHART_DIR, edited, { recursive: true });
    const deploymentYaml = join(edited, "templates", "deployment.yaml");
    const original = readFileSync(deploymentYaml, "utf8");
    const changed = original.replace("terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30");
    expect(changed).not.toBe(original);
    writeFileSync(deploymentYaml, changed);
    const serviceYaml = join(edited, "templates", "service.yaml");
    writeFileSync(serviceYaml, readFileSync(serviceYaml, "utf8").replace("type: ClusterIP", "type: NodePort"));
    const chart = await renderCase(c, edited);
    const baseline = compare(await renderCase(c), buildInstanceObjects(managerSpec(c)));
    expect(added(compare(chart, buildInstanceObjects(managerSpec(c))), baseline)).toEqual([
      "Deployment/u-0123456789ab-openclaw: spec.template.spec.terminationGracePeriodSeconds: 30 != 60",
      'Service/u-0123456789ab-openclaw: spec.type: "NodePort" != "ClusterIP"',
    ]);
  });

  it("reports an object only one side creates, and a value only one side gets", async () => {
    const chart = await renderCase(c);
    const builders = buildInstanceObjects({ ...managerSpec(c), ingress: { enabled: false, domainBase: "claw.example.org" } });
    const diff = compare(chart, builders);
    expect(diff).toContain("Ingress/u-0123456789ab-openclaw: only in chart");
    expect(diff).toContain("ManagedCertificate/u-0123456789ab-openclaw: only in chart");
    const otherTokens = buildInstanceObjects({ ...managerSpec(c), tokens: { gateway: "other", agent: "other" } });
    expect(compare(chart, otherTokens).some((d) => d.startsWith("Secret/u-0123456789ab-openclaw: data.OPENCLAW_GATEWAY_TOKEN"))).toBe(true);
  });

  it("refuses a managed-by label other than the allowed values", async () => {
    const chart = await renderCase(CASES[0]!);
    (chart[0]!.metadata.labels as Record<string, string>)[MANAGED_BY] = "someone-else";
    expect(() => normalizeChart(chart)).toThrow(/managed-by is someone-else, expected Helm/);
  });
});
