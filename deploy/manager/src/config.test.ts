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
  it.each([
    ["OPENCLAW_RUNTIME", "docker"],
    ["OPENCLAW_INGRESS_ENABLED", "yes"],
    ["PORT", "70000"],
    ["OPENCLAW_NAMESPACE", "Bad_NS"],
    ["OPENCLAW_IMAGE_TAG", "a tag"],
  ])("names %s when its value %j is invalid", (name, value) => {
    expect(() => loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", [name]: value })).toThrow(name);
  });
});
