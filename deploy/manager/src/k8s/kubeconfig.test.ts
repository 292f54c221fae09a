import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonKubeconfigAuth } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
function file(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify({
    "current-context": "c",
    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }, { name: "other", context: { cluster: "x", user: "y" } }],
    clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": Buffer.from("CA").toString("base64"), ...cluster } }],
    users: [{ name: "u", user }],
  }));
  return p;
}

describe("jsonKubeconfigAuth", () => {
  it("reads the current context's server, CA and bearer token", async () => {
    const a = jsonKubeconfigAuth(file({ token: "tok" }))!;
    expect(a.server.href).toBe("https://127.0.0.1:6443/");
    expect(a.ca?.toString()).toBe("CA");
    expect(a.rejectUnauthorized).toBe(true);
    expect(await a.headers()).toEqual({ Authorization: "Bearer tok" });
  });
  it("reads client certificates and token files, relative to the kubeconfig", async () => {
    writeFileSync(join(dir, "token.txt"), "from-file\n");
    const a = jsonKubeconfigAuth(file({ tokenFile: "token.txt" }, { "insecure-skip-tls-verify": true }))!;
    expect(await a.headers()).toEqual({ Authorization: "Bearer from-file" });
    expect(a.rejectUnauthorized).toBe(false);
    const c = jsonKubeconfigAuth(file({ "client-certificate-data": Buffer.from("CERT").toString("base64"), "client-key-data": Buffer.from("KEY").toString("base64") }))!;
    expect(c.cert?.toString()).toBe("CERT");
    expect(c.key?.toString()).toBe("KEY");
    expect(await c.headers()).toEqual({});
  });
  it("leaves YAML and plugin-based kubeconfigs to the full client", () => {
    expect(jsonKubeconfigAuth(file({ exec: { command: "gke-gcloud-auth-plugin" } }))).toBeNull();
    const yaml = join(dir, "config.yaml");
    writeFileSync(yaml, "apiVersion: v1\nkind: Config\n");
    expect(jsonKubeconfigAuth(yaml)).toBeNull();
  });
});
