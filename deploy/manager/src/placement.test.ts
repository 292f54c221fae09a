import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { buildDeployment } from "./k8s/builders/deployment.ts";
import { imageRef, instanceSpecFromInput } from "./k8s/builders/spec.ts";

const base = { OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_TOKEN_SECRET: "t", OPENCLAW_RUNTIME: "kubernetes", OPENCLAW_IMAGE_REPO: "localhost/openclaw-gke" };
const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("instance placement and image pinning", () => {
  it("puts no nodeSelector or tolerations on the pod by default", () => {
    const spec = instanceSpecFromInput(loadConfig(base), { userId: "alice" });
    const pod = (buildDeployment(spec) as any).spec.template.spec;
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
    expect(spec.image).toBe("localhost/openclaw-gke:latest");
  });

  it("reads OPENCLAW_NODE_SELECTOR and OPENCLAW_TOLERATIONS into the pod template", () => {
    const config = loadConfig({
      ...base,
      OPENCLAW_NODE_SELECTOR: "clawbox.test/real=true, pool=agents",
      OPENCLAW_TOLERATIONS: "clawbox.test/real=true:NoSchedule,dedicated:NoExecute",
    });
    const pod = (buildDeployment(instanceSpecFromInput(config, { userId: "alice" })) as any).spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "clawbox.test/real": "true", pool: "agents" });
    expect(pod.tolerations).toEqual([
      { key: "clawbox.test/real", operator: "Equal", value: "true", effect: "NoSchedule" },
      { key: "dedicated", operator: "Exists", effect: "NoExecute" },
    ]);
  });

  it("refuses malformed placement settings, naming the variable", () => {
    expect(() => loadConfig({ ...base, OPENCLAW_NODE_SELECTOR: "novalue" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, OPENCLAW_TOLERATIONS: "key=value:Sometimes" })).toThrow(/OPENCLAW_TOLERATIONS/);
  });

  it("pins the image by digest when OPENCLAW_IMAGE_TAG is a manifest digest", () => {
    const spec = instanceSpecFromInput(loadConfig({ ...base, OPENCLAW_IMAGE_TAG: DIGEST }), { userId: "alice" });
    expect(spec.image).toBe(`localhost/openclaw-gke@${DIGEST}`);
    expect(imageRef("r", "v1")).toBe("r:v1");
    expect(() => loadConfig({ ...base, OPENCLAW_IMAGE_TAG: "sha256:short" })).toThrow(/OPENCLAW_IMAGE_TAG/);
  });

  it("gives the gateway (Chromium) a memory-backed /dev/shm, capped", () => {
    const pod = (buildDeployment(instanceSpecFromInput(loadConfig(base), { userId: "alice" })) as any).spec.template.spec;
    const gateway = pod.containers.find((c: any) => c.name === "gateway");
    expect(gateway.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
    expect(pod.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } });
  });
});
