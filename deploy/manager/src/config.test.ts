import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("refuses to start without OPENCLAW_MANAGER_API_KEY, naming it", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ OPENCLAW_MANAGER_API_KEY: "  " })).toThrow(/OPENCLAW_MANAGER_API_KEY is required/);
  });
  it("applies the guide's defaults", () => {
    const c = loadConfig({ OPENCLAW_MANAGER_API_KEY: "k" });
    expect(c.port).toBe(3000);
    expect(c.runtime).toBe("local");
    expect(c.tokenSecret).toBe("k");
    expect(c.kubernetes).toMatchObject({
      namespace: "openclaw",
      imageTag: "latest",
      ingressEnabled: false,
      domainBase: "openclaw.zazz.buzz",
      storageSize: "10Gi",
    });
    expect(c.local.portBase).toBe(20000);
  });
  it("reads every variable", () => {
    const c = loadConfig({
      OPENCLAW_MANAGER_API_KEY: "k",
      OPENCLAW_TOKEN_SECRET: "t",
      OPENCLAW_RUNTIME: "kubernetes",
      OPENCLAW_INGRESS_ENABLED: "true",
      OPENCLAW_NAMESPACE: "ns1",
      OPENCLAW_IMAGE_REPO: "r/x",
      OPENCLAW_IMAGE_TAG: "v1.2",
      OPENCLAW_DOMAIN_BASE: "ex.com",
      PORT: "3100",
      CLAWBOX_DATA_DIR: "/d",
      LOCAL_PORT_BASE: "30000",
    });
    expect(c).toMatchObject({ port: 3100, tokenSecret: "t", runtime: "kubernetes", local: { dataDir: "/d", portBase: 30000 } });
    expect(c.kubernetes).toMatchObject({ namespace: "ns1", imageRepo: "r/x", imageTag: "v1.2", ingressEnabled: true, domainBase: "ex.com" });
  });
  it("reads CLAWBOX_INSTANCE_PROXY, and refuses one with credentials (every assistant can read its env)", () => {
    expect(loadConfig({ OPENCLAW_MANAGER_API_KEY: "k" }).local.instanceProxy).toBeUndefined();
    expect(loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", CLAWBOX_INSTANCE_PROXY: "http://egress.internal:3128" }).local.instanceProxy).toBe("http://egress.internal:3128");
    expect(() => loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", CLAWBOX_INSTANCE_PROXY: "http://u:p@egress.internal:3128" })).toThrow(/CLAWBOX_INSTANCE_PROXY must not carry credentials/);
    expect(() => loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", CLAWBOX_INSTANCE_PROXY: "socks5://x:1" })).toThrow(/CLAWBOX_INSTANCE_PROXY must be an http\(s\) URL/);
  });
  it.each([
    ["OPENCLAW_RUNTIME", "docker"],
    ["OPENCLAW_INGRESS_ENABLED", "yes"],
    ["PORT", "70000"],
    ["OPENCLAW_NAMESPACE", "Bad_NS"],
    ["OPENCLAW_IMAGE_TAG", "a tag"],
    ["OPENCLAW_MANAGER_NAMESPACE", "Platform"],
  ])("names %s when its value %j is invalid", (name, value) => {
    expect(() => loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", [name]: value })).toThrow(name);
  });

  it("puts the platform (the Manager's own pods) in clawbox-system by default, apart from the instances", () => {
    const c = loadConfig({ OPENCLAW_MANAGER_API_KEY: "k" });
    expect(c.kubernetes.managerNamespace).toBe("clawbox-system");
    expect(loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_MANAGER_NAMESPACE: "platform" }).kubernetes.managerNamespace).toBe("platform");
  });
  it("refuses the kubernetes runtime without a token secret of its own, naming the variable and its Secret key", () => {
    const k8s = { OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_RUNTIME: "kubernetes" };
    expect(() => loadConfig(k8s)).toThrow(/OPENCLAW_TOKEN_SECRET is required with OPENCLAW_RUNTIME=kubernetes .*TOKEN_SECRET/);
    expect(() => loadConfig({ ...k8s, OPENCLAW_TOKEN_SECRET: "  " })).toThrow(ConfigError);
    // The API key is no token secret: the App API holds it too.
    expect(() => loadConfig({ ...k8s, OPENCLAW_TOKEN_SECRET: "k" })).toThrow(/OPENCLAW_TOKEN_SECRET must differ from OPENCLAW_MANAGER_API_KEY/);
    expect(loadConfig({ ...k8s, OPENCLAW_TOKEN_SECRET: "separate" }).tokenSecret).toBe("separate");
  });
  it("uses the API key as the token secret in the local runtime only (development)", () => {
    expect(loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_RUNTIME: "local" }).tokenSecret).toBe("k");
    expect(loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", OPENCLAW_TOKEN_SECRET: "t" }).tokenSecret).toBe("t");
  });
});
