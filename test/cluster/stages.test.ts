// Unit checks of the kwok stage files the test cluster loads (no processes started).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { CLUSTER_DIR, GO_MODULES, VERSIONS } from "./paths.ts";

interface Stage {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: string; kind: string };
    selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
    delay?: { durationMilliseconds?: number | string; durationFrom?: { expressionFrom: string } };
    next: { statusTemplate?: string; event?: { type: string; reason: string }; delete?: boolean };
  };
}

function load(file: string): Stage[] {
  const text = readFileSync(join(CLUSTER_DIR, "stages", file), "utf8").replaceAll("__READY_DELAY_MS__", "1000");
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
    return d.toJS() as Stage;
  });
}

const all = ["nodes.yaml", "pods-upstream.yaml", "pods.yaml"].flatMap((f) => load(f));
const byName = new Map(all.map((s) => [s.metadata.name, s]));

describe("kwok stages", () => {
  it("are well-formed Stage objects with unique names", () => {
    expect(all.length).toBeGreaterThan(5);
    for (const s of all) {
      expect(s).toMatchObject({ apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "Stage" });
      expect(["Node", "Pod"]).toContain(s.spec.resourceRef.kind);
    }
    expect(byName.size).toBe(all.length);
  });

  it("cover node readiness and the pod life cycle, including deletion", () => {
    for (const name of ["node-initialize", "node-heartbeat-with-lease", "pod-delete", "clawbox-pod-start", "clawbox-pod-ready"]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get("pod-delete")?.spec.next.delete).toBe(true);
  });

  it("keep failing pods out of the happy path, and every fail reason has a stage and an event", () => {
    for (const name of ["clawbox-pod-start", "clawbox-pod-ready"]) {
      expect(byName.get(name)?.spec.selector.matchExpressions).toContainEqual({
        key: '.metadata.annotations["clawbox.test/fail"]',
        operator: "DoesNotExist",
      });
    }
    const reasons = all
      .flatMap((s) => s.spec.selector.matchExpressions)
      .filter((e) => e.key === '.metadata.annotations["clawbox.test/fail"]' && e.operator === "In")
      .flatMap((e) => e.values ?? []);
    expect(new Set(reasons)).toEqual(new Set(["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff"]));
    for (const s of all.filter((x) => x.metadata.name.startsWith("clawbox-pod-") && x.metadata.name !== "clawbox-pod-ready")) {
      expect(s.spec.next.event?.type, s.metadata.name).toBeDefined();
    }
  });

  it("read the delay annotations as Go durations", () => {
    expect(byName.get("clawbox-pod-start")?.spec.delay?.durationFrom?.expressionFrom).toBe(
      '.metadata.annotations["clawbox.test/start-delay"]',
    );
    expect(byName.get("clawbox-pod-ready")?.spec.delay).toMatchObject({
      durationMilliseconds: 1000,
      durationFrom: { expressionFrom: '.metadata.annotations["clawbox.test/ready-delay"]' },
    });
  });
});

describe("pinned versions", () => {
  it("match the wrapper go.mod files", () => {
    const mod = (name: string) => readFileSync(join(CLUSTER_DIR, "go", name, "go.mod"), "utf8");
    expect(mod("kube")).toContain(`k8s.io/kubernetes ${VERSIONS.kubernetes}`);
    expect(mod("kube")).toMatch(/k8s\.io\/api => k8s\.io\/api v0\.37\.2/);
    expect(mod("etcd")).toContain(`go.etcd.io/etcd/server/v3 ${VERSIONS.etcd}`);
    expect(mod("kwok")).toContain(`sigs.k8s.io/kwok ${VERSIONS.kwok}`);
    expect(GO_MODULES.flatMap((m) => m.binaries).sort()).toEqual(
      ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"],
    );
  });
});
