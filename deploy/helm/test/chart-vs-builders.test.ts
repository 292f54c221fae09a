// One definition of an instance: the Helm chart (deploy/helm/openclaw) and the Manager's builders
// (deploy/manager/src/services/k8s-resource-builder.ts) must produce the same objects for the same instance. The
// chart is rendered with `helm template`, the builders are called with the equivalent
// InstanceSpec, and every field of every object is compared. The only differences allowed are
// listed in ALLOWED_DIFFERENCES below, each with its reason; everything else must be equal.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGatewayConfig, deriveInstanceToken, gatewayConfigText, MODEL_PROVIDERS, type CreateInstanceInput, type ModelSettings } from "@clawbox/shared";
import { loadConfig } from "../../manager/src/config.ts";
import { POD_BROWSER } from "../../manager/src/k8s/builders/pod-layout.ts";
import { buildInstanceObjects, instanceSpecFromInput, type InstanceSpec } from "../../manager/src/services/k8s-resource-builder.ts";
import { diffObjectSets, type Json } from "./compare.ts";
import { parse } from "yaml";
import { CHART_DIR, helm, parseObjects, renderArgs, USER_EXAMPLE, type K8sObject } from "./helm.ts";

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

/**
 * A model-settings case: the same model on both sides, and the operator's endpoints as the
 * Manager's env (CLAWBOX_*) and as the chart's values (the raw env text: trailing slashes included,
 * so both sides' trimming is compared too).
 */
function modelCase(
  name: string,
  userId: string,
  model: ModelSettings | undefined,
  operator: { telegramApiRoot?: string; openrouter?: string; anthropic?: string; openai?: string } = {},
): Case {
  const managerEnv: Record<string, string> = {};
  const values: Record<string, unknown> = { userId, tokenSecret: TOKEN_SECRET };
  if (operator.telegramApiRoot) {
    managerEnv.CLAWBOX_TELEGRAM_API_ROOT = operator.telegramApiRoot;
    values.telegram = { apiRoot: operator.telegramApiRoot };
  }
  const providerBaseUrls: Record<string, string> = {};
  for (const p of ["openrouter", "anthropic", "openai"] as const) {
    const url = operator[p];
    if (!url) continue;
    managerEnv[`CLAWBOX_${p.toUpperCase()}_BASE_URL`] = url;
    providerBaseUrls[p] = url;
  }
  if (Object.keys(providerBaseUrls).length > 0) values.providerBaseUrls = providerBaseUrls;
  if (model) values.model = model;
  return { name, managerEnv, input: { userId, secrets: {}, ...(model ? { model } : {}) }, values };
}

/** The guide's values file as it is (deploy/helm/users/user-example.yaml), tokens from deploy-user.sh's secret. */
function guideCase(): Case {
  const example = parse(readFileSync(USER_EXAMPLE, "utf8")) as { userId: string; secrets: Record<string, string>; model: ModelSettings };
  return {
    name: "the guide's values file (deploy/helm/users/user-example.yaml)",
    managerEnv: {},
    input: { userId: example.userId, secrets: example.secrets, model: example.model },
    values: { ...example, tokenSecret: TOKEN_SECRET },
  };
}

const CASES: Case[] = [
  {
    // Defaults on both sides (no model) against a Manager with no optional env.
    // Tokens from tokenSecret: the chart's HMAC (_hmac.tpl) must equal the Manager's derivation.
    name: "defaults (no model, ingress off, tokens derived from tokenSecret)",
    managerEnv: {},
    input: { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-..." } },
    values: { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-..." }, tokenSecret: TOKEN_SECRET },
  },
  {
    name: "everything set (ingress on, image, storage, resources, given tokens, secrets with characters JSON escapes differently)",
    managerEnv: {
      OPENCLAW_IMAGE_REPO: "registry.example.com/team/openclaw-gke",
      OPENCLAW_IMAGE_TAG: "2026.9.6-r3",
      OPENCLAW_INGRESS_ENABLED: "true",
      OPENCLAW_DOMAIN_BASE: "claw.example.org",
      OPENCLAW_STORAGE_CLASS: "premium-rwo",
      OPENCLAW_STORAGE_SIZE: "25Gi",
      OPENCLAW_MANAGER_NAMESPACE: "platform-x",
      CLAWBOX_OPENROUTER_BASE_URL: "https://llm-proxy.example.com/openrouter/api/v1",
      CLAWBOX_TELEGRAM_API_ROOT: "https://tg.example.com/bot-api",
    },
    input: {
      userId: "u-0123456789ab",
      // A literal backslash before "u003c" must survive the chart's undoing of Go's escapes.
      secrets: { OPENROUTER_API_KEY: "sk-or-<a&b>", ANTHROPIC_API_KEY: "line1\nline2 \u2028 \"quoted\" é \\u003c\\\\u003e" },
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
      model: { provider: "openrouter", model: "anthropic/claude-sonnet-4.5<&>", apiKey: "sk-or-v1-<model&key>\u2029" },
    },
    values: {
      userId: "u-0123456789ab",
      secrets: { OPENROUTER_API_KEY: "sk-or-<a&b>", ANTHROPIC_API_KEY: "line1\nline2 \u2028 \"quoted\" é \\u003c\\\\u003e" },
      image: { repository: "registry.example.com/team/openclaw-gke", tag: "2026.9.6-r3" },
      ingress: { enabled: true },
      domainBase: "claw.example.org",
      persistence: { storageClass: "premium-rwo", size: "25Gi" },
      managerNamespace: "platform-x",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
      model: { provider: "openrouter", model: "anthropic/claude-sonnet-4.5<&>", apiKey: "sk-or-v1-<model&key>\u2029" },
      providerBaseUrls: { openrouter: "https://llm-proxy.example.com/openrouter/api/v1" },
      telegram: { apiRoot: "https://tg.example.com/bot-api" },
      ...tokensFor("u-0123456789ab"),
    },
  },
  guideCase(),
  {
    name: "image pinned by digest (repo@sha256:...)",
    managerEnv: { OPENCLAW_IMAGE_TAG: `sha256:${"0123456789abcdef".repeat(4)}` },
    input: { userId: "digest", secrets: {} },
    values: { userId: "digest", tokenSecret: TOKEN_SECRET, image: { repository: "us-central1-docker.pkg.dev/learneroid/openclaw/openclaw-gke", tag: `sha256:${"0123456789abcdef".repeat(4)}` } },
  },
  // Every provider, with and without a key, with and without the operator's endpoint.
  modelCase("openrouter, key, public endpoint (no provider entry)", "m-openrouter", { provider: "openrouter", model: "openai/gpt-4o-mini", apiKey: "sk-or-1" }),
  modelCase("openrouter, no key, endpoint override with trailing slashes", "m-openrouter-proxy", { provider: "openrouter", model: "openai/gpt-4o-mini" }, { openrouter: "http://10.0.0.5:8080/api/v1//" }),
  modelCase("anthropic, key, endpoint override (anthropic-messages)", "m-anthropic-proxy", { provider: "anthropic", model: "claude-sonnet-4-5", apiKey: "sk-ant-1" }, { anthropic: "https://anthropic-proxy.example.com:8443/" }),
  modelCase("anthropic, no key, public endpoint", "m-anthropic", { provider: "anthropic", model: "claude-haiku-4-5" }),
  modelCase("openai, key, override of another provider only (ignored)", "m-openai", { provider: "openai", model: "gpt-4.1", apiKey: "sk-openai-1" }, { anthropic: "https://anthropic-proxy.example.com", openrouter: "https://or.example.com" }),
  modelCase("openai, no key, endpoint override on [::1]", "m-openai-proxy", { provider: "openai", model: "gpt-4.1-mini" }, { openai: "http://[::1]:4000/v1", openrouter: "https://or.example.com" }),
  modelCase("openai-compatible with a key (custom provider)", "m-compatible", { provider: "openai-compatible", model: "meta-llama/Llama-3.1-8B", apiKey: "vllm-key", baseUrl: "https://vllm.example.com/v1/" }),
  modelCase("openai-compatible without a key (Ollama on loopback: the no-key marker)", "m-ollama", { provider: "openai-compatible", model: "llama3.2:3b", baseUrl: "http://127.0.0.1:11434/v1" }, { openai: "https://ignored.example.com" }),
  // The Telegram API root: a public host, and every private form isPrivateHost() knows.
  modelCase("telegram API root on a public host", "t-public", undefined, { telegramApiRoot: "https://api.tg-mirror.example.com/" }),
  modelCase("telegram API root on loopback", "t-loopback", undefined, { telegramApiRoot: "http://127.0.0.1:8081" }),
  modelCase("telegram API root on localhost in capitals", "t-localhost", undefined, { telegramApiRoot: "http://LOCALHOST:8081/bot" }),
  modelCase("telegram API root on [::1]", "t-ipv6", undefined, { telegramApiRoot: "http://[::1]:8081" }),
  modelCase("telegram API root on a cluster service name (no dot)", "t-service", undefined, { telegramApiRoot: "http://telegram-bot-api:8081/" }),
  modelCase("telegram API root on 10/8", "t-ten", { provider: "anthropic", model: "claude-sonnet-4-5", apiKey: "k" }, { telegramApiRoot: "http://10.1.2.3" }),
  modelCase("telegram API root on 172.16/12", "t-172", undefined, { telegramApiRoot: "http://172.31.255.1:8081" }),
  modelCase("telegram API root on 172.32 (public)", "t-172-public", undefined, { telegramApiRoot: "http://172.32.0.1:8081" }),
  modelCase("telegram API root on 192.168/16", "t-192", undefined, { telegramApiRoot: "https://192.168.1.10:8443/tg" }),
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
  const configText = async (c: Case) =>
    ((await renderCase(c)).find((o) => o.kind === "ConfigMap") as unknown as { data: Record<string, string> }).data["openclaw.json"];

  it("seeds exactly gatewayConfigText(buildGatewayConfig())'s text (packages/shared/src/gateway-config.ts)", async () => {
    const expected = buildGatewayConfig({ port: 18789, logFile: "/home/node/.openclaw/logs/gateway.log", browser: POD_BROWSER });
    expect(await configText(CASES[0]!)).toBe(gatewayConfigText(expected));
  });

  it("seeds the model, the provider entry and the Telegram API root as buildGatewayConfig() writes them", async () => {
    const c = CASES.find((x) => x.values.userId === "m-compatible")!;
    const model = { provider: "openai-compatible" as const, model: "meta-llama/Llama-3.1-8B", baseUrl: "https://vllm.example.com/v1/", hasApiKey: true };
    const expected = buildGatewayConfig({ port: 18789, logFile: "/home/node/.openclaw/logs/gateway.log", model, browser: POD_BROWSER });
    const text = await configText(c);
    expect(text).toBe(gatewayConfigText(expected));
    // The key is named, never written.
    expect(JSON.parse(text!).models.providers.custom.apiKey).toBe("${CLAWBOX_MODEL_API_KEY}");
    expect(text).not.toContain("vllm-key");
    const loopback = JSON.parse((await configText(CASES.find((x) => x.values.userId === "t-loopback")!))!);
    expect(loopback.channels.telegram).toEqual({ apiRoot: "http://127.0.0.1:8081", network: { dangerouslyAllowPrivateNetwork: true } });
  });

  it("covers every value the schema allows for the model and the operator's endpoints", () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8"));
    const providers = schema.definitions.model.properties.provider.enum as string[];
    // The chart offers exactly the contract's providers (plus "" for none) ...
    expect(providers).toEqual(["", ...MODEL_PROVIDERS]);
    const models = CASES.map((c) => c.values.model as { provider: string; apiKey?: string } | undefined);
    // ... and every one of them is compared with and without a key ("" by its absence).
    expect(models.some((m) => m === undefined)).toBe(true);
    for (const p of MODEL_PROVIDERS) {
      expect(models.some((m) => m?.provider === p && m.apiKey), `${p} with a key`).toBe(true);
      expect(models.some((m) => m?.provider === p && !m.apiKey), `${p} without a key`).toBe(true);
    }
    // Each built-in provider's endpoint override is compared while that provider is the model's.
    for (const p of Object.keys(schema.properties.providerBaseUrls.properties)) {
      expect(CASES.some((c) => (c.values.model as { provider?: string } | undefined)?.provider === p && (c.values.providerBaseUrls as Record<string, string> | undefined)?.[p]), p).toBe(true);
    }
    expect(Object.keys(schema.properties.telegram.properties)).toEqual(["apiRoot"]);
  });

  it("sets every value the schema allows, away from its default, in at least one compared case", () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8"));
    const defaults = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, unknown>;
    const resolve = (node: any): any => (node?.$ref ? resolve(schema.definitions[node.$ref.split("/").pop()]) : node);
    // Leaf paths of the schema: a property with no properties of its own (a map such as `secrets` counts as one).
    const leaves = (node: any, path: string[]): string[][] => {
      const n = resolve(node);
      const props = n?.properties as Record<string, unknown> | undefined;
      return props ? Object.entries(props).flatMap(([k, v]) => leaves(v, [...path, k])) : [path];
    };
    const at = (o: unknown, path: string[]) => path.reduce<any>((x, k) => (x == null ? undefined : x[k]), o);
    const missing = leaves(schema, []).filter((path) =>
      !CASES.some((c) => {
        const v = at(c.values, path);
        return v !== undefined && JSON.stringify(v) !== JSON.stringify(at(defaults, path));
      }),
    );
    expect(missing.map((p) => p.join("."))).toEqual([]);
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

  it("derives the same model hash, which a new model key or a new model changes", async () => {
    const c = CASES[1]!;
    const hashOf = (objs: unknown[]) =>
      ((objs as Obj[]).find((o) => o.kind === "Deployment") as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } })
        .spec.template.metadata.annotations["openclaw.ai/model-hash"];
    const chartHash = hashOf(await renderCase(c));
    expect(chartHash).toMatch(/^[0-9a-f]{32}$/);
    expect(chartHash).toBe(hashOf(buildInstanceObjects(managerSpec(c))));
    const model = c.values.model as ModelSettings;
    const newKey = { ...c, values: { ...c.values, model: { ...model, apiKey: "rotated" } } };
    const newModel = { ...c, values: { ...c.values, model: { ...model, model: "openai/gpt-4o" } } };
    const hashes = new Set([chartHash, hashOf(await renderCase(newKey)), hashOf(await renderCase(newModel))]);
    expect(hashes.size).toBe(3);
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

  it("reports a model the builders got and the chart did not: config, model Secret and model hash", async () => {
    const chart = await renderCase(c);
    const spec = managerSpec(c);
    const diff = compare(chart, buildInstanceObjects({ ...spec, model: { ...spec.model!, model: "openai/gpt-4o", apiKey: "another-key" } }));
    expect(diff.filter((d) => d.startsWith("ConfigMap/u-0123456789ab-openclaw: data.openclaw.json"))).toHaveLength(1);
    expect(diff.filter((d) => d.startsWith("Secret/u-0123456789ab-openclaw-model: data.OPENROUTER_API_KEY"))).toHaveLength(1);
    expect(diff.filter((d) => d.startsWith("Deployment/u-0123456789ab-openclaw: spec.template.metadata.annotations.openclaw.ai/model-hash"))).toHaveLength(1);
  });

  it("refuses a managed-by label other than the allowed values", async () => {
    const chart = await renderCase(CASES[0]!);
    (chart[0]!.metadata.labels as Record<string, string>)[MANAGED_BY] = "someone-else";
    expect(() => normalizeChart(chart)).toThrow(/managed-by is someone-else, expected Helm/);
  });
});
