import { HttpError } from "@clawbox/shared";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config.ts";
import { SECRET_HASH_ANNOTATION } from "./deployment.ts";
import { PRIVATE_RANGES } from "./network-policy.ts";
import { buildInstanceObjects } from "./objects.ts";
import { instanceSpecFromInput } from "./spec.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

const config = loadConfig({ OPENCLAW_MANAGER_API_KEY: "key-1", OPENCLAW_IMAGE_REPO: "repo/openclaw-gke" });
const spec = (over: Partial<Parameters<typeof instanceSpecFromInput>[1]> = {}, cfg = config): InstanceSpec =>
  instanceSpecFromInput(cfg, { userId: "alice", secrets: { ANTHROPIC_API_KEY: "sk-ant-1" }, ...over });

const byKind = (objs: KubeObject[], kind: string) => {
  const o = objs.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  return o as any;
};

describe("buildInstanceObjects", () => {
  it("returns the seven objects in apply order, named per the guide, labelled, no Ingress by default", () => {
    const objs = buildInstanceObjects(spec());
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Secret/alice-openclaw",
      "Secret/alice-openclaw-model",
      "ConfigMap/alice-openclaw",
      "PersistentVolumeClaim/alice-openclaw-data",
      "Service/alice-openclaw",
      "NetworkPolicy/alice-openclaw",
      "Deployment/alice-openclaw",
    ]);
    for (const o of objs) {
      expect(o.metadata.namespace).toBe("openclaw");
      expect(o.metadata.labels).toEqual({
        "openclaw.ai/user": "alice",
        "app.kubernetes.io/name": "openclaw",
        "app.kubernetes.io/instance": "alice-openclaw",
        "app.kubernetes.io/component": "gateway",
        "app.kubernetes.io/managed-by": "openclaw-manager",
      });
    }
  });

  it("adds Ingress, ManagedCertificate and BackendConfig for <userId>.<domain> only when ingress is enabled", () => {
    const cfg = loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_INGRESS_ENABLED: "true", OPENCLAW_DOMAIN_BASE: "ex.test" });
    const objs = buildInstanceObjects(spec({}, cfg));
    expect(objs.map((o) => o.kind).slice(-3)).toEqual(["Ingress", "ManagedCertificate", "BackendConfig"]);
    // The load balancer would cut the noVNC and RPC WebSockets after its default 30 s.
    expect(byKind(objs, "BackendConfig")).toMatchObject({
      apiVersion: "cloud.google.com/v1",
      metadata: { name: "alice-openclaw", namespace: "openclaw" },
      spec: { timeoutSec: 3600, healthCheck: { type: "HTTP", requestPath: "/healthz", port: 3100 } },
    });
    expect(byKind(objs, "Service").metadata.annotations).toEqual({ "cloud.google.com/backend-config": '{"default":"alice-openclaw"}' });
    expect(byKind(buildInstanceObjects(spec()), "Service").metadata.annotations).toBeUndefined();
    const ing = byKind(objs, "Ingress");
    expect(ing.spec.rules[0].host).toBe("alice.ex.test");
    expect(ing.metadata.annotations["networking.gke.io/managed-certificates"]).toBe("alice-openclaw");
    expect(byKind(objs, "ManagedCertificate")).toMatchObject({ apiVersion: "networking.gke.io/v1", spec: { domains: ["alice.ex.test"] } });
    // GCLB needs its ranges let in when public exposure is on.
    expect(byKind(objs, "NetworkPolicy").spec.ingress).toHaveLength(2);
  });

  it("hardens the pod", () => {
    const d = byKind(buildInstanceObjects(spec()), "Deployment");
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeLessThanOrEqual(120);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers.map((c: any) => c.name)).toEqual(["gateway", "agent"]);
    for (const c of pod.containers) {
      expect(c.image).toBe("repo/openclaw-gke:latest");
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      expect(c.volumeMounts).toContainEqual({ name: "data", mountPath: "/home/node/.openclaw" });
    }
    const gw = pod.containers[0];
    // Measured: ~0.8-1.0 GB idle, 1.14 GB peak, OOM at a 2Gi limit under back-to-back chat (spec.ts).
    expect(gw.resources).toEqual({ requests: { cpu: "250m", memory: "1280Mi" }, limits: { cpu: "1", memory: "2560Mi" } });
    expect(gw.startupProbe.httpGet).toEqual({ path: "/gateway/startupz", port: 3100 });
    expect(gw.startupProbe.periodSeconds * gw.startupProbe.failureThreshold).toBeGreaterThanOrEqual(240);
    expect(gw.readinessProbe.httpGet.path).toBe("/gateway/startupz");
    expect(gw.livenessProbe.httpGet.path).toBe("/gateway/healthz");
    expect(gw.envFrom).toEqual([{ secretRef: { name: "alice-openclaw" } }, { secretRef: { name: "alice-openclaw-model" } }]);
    expect(pod.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "alice-openclaw-data" } });
    expect(pod.volumes).toContainEqual({ name: "seed", configMap: { name: "alice-openclaw" } });
    const agent = pod.containers[1];
    expect(agent.ports).toEqual([{ name: "agent", containerPort: 3100, protocol: "TCP" }]);
    expect(agent.env).toContainEqual({ name: "AGENT_TOKEN", valueFrom: { secretKeyRef: { name: "alice-openclaw", key: "CLAWBOX_AGENT_TOKEN" } } });
  });

  it("takes resources and image tag overrides", () => {
    const d = byKind(buildInstanceObjects(spec({ imageTag: "v2", resources: { limits: { memory: "3Gi" } } })), "Deployment");
    const gw = d.spec.template.spec.containers[0];
    expect(gw.image).toBe("repo/openclaw-gke:v2");
    expect(gw.resources.limits).toEqual({ cpu: "1", memory: "3Gi" });
  });

  it("puts the user's secrets and derived, deterministic tokens in the Secret only", () => {
    const a = buildInstanceObjects(spec());
    const b = buildInstanceObjects(spec());
    expect(a).toEqual(b);
    const secret = byKind(a, "Secret");
    const decoded = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    expect(decoded.ANTHROPIC_API_KEY).toBe("sk-ant-1");
    expect(decoded.OPENCLAW_GATEWAY_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decoded.CLAWBOX_AGENT_TOKEN).not.toBe(decoded.OPENCLAW_GATEWAY_TOKEN);
    expect(secret.stringData).toBeUndefined();
    const others = JSON.stringify(a.filter((o) => o.kind !== "Secret"));
    expect(others).not.toContain("sk-ant-1");
    expect(others).not.toContain(decoded.OPENCLAW_GATEWAY_TOKEN);
    // Other users and other token secrets get other tokens.
    const bob = byKind(buildInstanceObjects(instanceSpecFromInput(config, { userId: "bob" })), "Secret");
    expect(bob.data.OPENCLAW_GATEWAY_TOKEN).not.toBe(secret.data.OPENCLAW_GATEWAY_TOKEN);
  });

  it("rolls the pod when secrets change, not otherwise", () => {
    const hash = (s: InstanceSpec) => byKind(buildInstanceObjects(s), "Deployment").spec.template.metadata.annotations[SECRET_HASH_ANNOTATION];
    expect(hash(spec())).toBe(hash(spec()));
    expect(hash(spec({ secrets: { ANTHROPIC_API_KEY: "sk-ant-2" } }))).not.toBe(hash(spec()));
  });

  it("seeds a gateway config with no secrets, bound to loopback", () => {
    const cm = byKind(buildInstanceObjects(spec()), "ConfigMap");
    const cfg = JSON.parse(cm.data["openclaw.json"]);
    expect(cfg.gateway).toMatchObject({ mode: "local", bind: "loopback", port: 18789, auth: { mode: "token" } });
    expect(cfg.logging.file.startsWith("/home/node/.openclaw/")).toBe(true);
    // The pod's confinement (non-root, no caps, RuntimeDefault seccomp) refuses Chromium's user-namespace sandbox.
    expect(cfg.browser).toMatchObject({ enabled: true, headless: false, noSandbox: true, executablePath: "/usr/bin/chromium" });
    // Installed in the image, loaded once the user asks for a WhatsApp QR code.
    expect(cfg.plugins.entries.whatsapp.enabled).toBe(false);
  });

  it("keeps data on a ReadWriteOnce PVC and exposes only a ClusterIP Service", () => {
    const objs = buildInstanceObjects(spec());
    expect(byKind(objs, "PersistentVolumeClaim").spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } });
    const withClass = buildInstanceObjects(spec({}, loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_STORAGE_CLASS: "standard-rwo" })));
    expect(byKind(withClass, "PersistentVolumeClaim").spec.storageClassName).toBe("standard-rwo");
    const svc = byKind(objs, "Service");
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([["agent", 3100], ["novnc", 6080]]);
  });

  it("keeps the gateway's compile cache on the PVC, so a restarted or woken pod starts warm", () => {
    const gateway = byKind(buildInstanceObjects(spec()), "Deployment").spec.template.spec.containers.find((c: any) => c.name === "gateway");
    const env = Object.fromEntries(gateway.env.map((e: any) => [e.name, e.value]));
    const data = gateway.volumeMounts.find((m: any) => m.name === "data").mountPath;
    expect(env.NODE_COMPILE_CACHE.startsWith(`${data}/`)).toBe(true);
    expect(env.NODE_COMPILE_CACHE).toBe(`${env.OPENCLAW_STATE_DIR}/cache/node-compile-cache`);
  });

  it("writes NetworkPolicy peers under from/to: Manager pods in, DNS and public internet out", () => {
    const np = byKind(buildInstanceObjects(spec()), "NetworkPolicy");
    expect(np.spec.podSelector.matchLabels["openclaw.ai/user"]).toBe("alice");
    expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.spec.ingress).toEqual([
      {
        // Both selectors in one peer: Manager pods AND in the platform namespace.
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "clawbox-system" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "openclaw-manager" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 3100 }, { protocol: "TCP", port: 6080 }],
      },
    ]);
    expect(JSON.stringify(np)).not.toContain("_from");
    const [dns, internet] = np.spec.egress;
    expect(dns.to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    // NodeLocal DNSCache (GKE Autopilot): its pods and its link-local address, inside the blocked 169.254/16.
    expect(dns.to[1]).toEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "node-local-dns" } },
    });
    expect(dns.to.slice(2)).toEqual([{ ipBlock: { cidr: "169.254.20.10/32" } }, { ipBlock: { cidr: "169.254.169.254/32" } }]);
    expect(dns.ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    expect(internet.to).toEqual([{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }]);
    expect(internet.to[0].ipBlock.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"]));
  });
});

describe("instanceSpecFromInput validation", () => {
  const bad = (input: any, field: string, rule: string) => {
    try {
      instanceSpecFromInput(config, { userId: "alice", ...input });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
      expect((e as HttpError).toBody()).toMatchObject({ field, rule });
    }
  };
  it("refuses reserved and non-env secret names", () => {
    bad({ secrets: { OPENCLAW_GATEWAY_TOKEN: "x" } }, "secrets.OPENCLAW_GATEWAY_TOKEN", "reserved");
    bad({ secrets: { "bad-name": "x" } }, "secrets.bad-name", "env-name");
  });
  it("refuses bad quantities and requests above limits", () => {
    bad({ resources: { limits: { memory: "lots" } } }, "resources.limits.memory", "quantity");
    bad({ resources: { requests: { memory: "4Gi" } } }, "resources.requests.memory", "request-not-above-limit");
    bad({ resources: { requests: { cpu: "2" } } }, "resources.requests.cpu", "request-not-above-limit");
  });
});
