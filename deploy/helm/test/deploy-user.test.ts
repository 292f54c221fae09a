// deploy-user.sh without a cluster: argument checks, and what it hands to helm (a client-side
// dry run renders the release exactly as `install` would send it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveInstanceToken } from "@clawbox/shared";
import { DEPLOY_USER, helmPath, parseObjects, REPO_ROOT, USER_EXAMPLE } from "./helm.ts";

let dir: string;
let values: string;
let helm: string;

beforeAll(async () => {
  helm = await helmPath();
  dir = mkdtempSync(join(tmpdir(), "deploy-user-unit-"));
  values = join(dir, "alice.yaml");
  writeFileSync(values, readFileSync(USER_EXAMPLE, "utf8").replace(/^userId: example$/m, "userId: alice"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deployUser(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("bash", [DEPLOY_USER, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    // No cluster: a kubeconfig that does not exist, so nothing can reach one by accident.
    env: { ...process.env, HELM: helm, KUBECTL: "kubectl-not-needed", KUBECONFIG: join(dir, "no-kubeconfig"), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const secretOf = (stdout: string, name = "alice-openclaw") => {
  const manifest = stdout.slice(stdout.indexOf("MANIFEST:") + "MANIFEST:".length, stdout.indexOf("NOTES:"));
  const secret = parseObjects(manifest).find((o) => o.kind === "Secret" && o.metadata.name === name) as unknown as { data: Record<string, string> };
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
};

describe("deploy-user.sh arguments", () => {
  it("prints usage with --help and exits 0", () => {
    const r = deployUser(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: deploy-user.sh <command> <user>");
    for (const c of ["install", "upgrade", "status", "delete", "purge"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
  });

  it.each([
    ["no arguments", [], /Usage: deploy-user.sh/],
    ["no user", ["install"], /missing <user>/],
    ["an unknown command", ["restart", "alice"], /unknown command 'restart'/],
    ["an invalid user", ["install", "Alice_"], /userId must be a DNS-1123 label/],
    ["a 50-character user", ["status", "a".repeat(50)], /userId must be a DNS-1123 label/],
    ["extra arguments to delete", ["delete", "alice", "x.yaml"], /delete takes no arguments/],
  ])("refuses %s with exit 2", (_what, args, message) => {
    const r = deployUser(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("refuses a missing values file", () => {
    const r = deployUser(["install", "alice", join(dir, "nope.yaml")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/values file '.*nope\.yaml' not found/);
  });

  it("refuses a values file naming another user", () => {
    const r = deployUser(["install", "bob", values]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("has userId 'alice', not 'bob'");
  });

  it("defaults the values file to deploy/helm/users/<user>.yaml", () => {
    const r = deployUser(["upgrade", "nobody-has-this-user"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("deploy/helm/users/nobody-has-this-user.yaml' not found");
  });

  it("says how to point at helm when it is missing", () => {
    const r = deployUser(["install", "alice", values], { HELM: "/nonexistent/helm" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("put helm on PATH or set HELM=/path/to/helm");
  });
});

describe("deploy-user.sh install (client-side dry run)", () => {
  it("installs release <user>-openclaw with the values file's model key in the model Secret", () => {
    const r = deployUser(["install", "alice", values, "--dry-run=client"], { OPENCLAW_TOKEN_SECRET: "s" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("NAME: alice-openclaw");
    expect(r.stdout).toContain("NAMESPACE: openclaw");
    expect(secretOf(r.stdout, "alice-openclaw-model")).toEqual({ ANTHROPIC_API_KEY: "sk-ant-..." });
  });

  it("refuses an install with no token source, helm naming tokenSecret (no random tokens any more)", () => {
    const r = deployUser(["install", "alice", values, "--dry-run=client"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("missing property 'tokenSecret'");
  });

  it("derives the tokens like the Manager when OPENCLAW_TOKEN_SECRET is set", () => {
    const tokenSecret = "the Manager's API key +/= with 'quotes'";
    const r = deployUser(["install", "alice", values, "--dry-run=client"], { OPENCLAW_TOKEN_SECRET: tokenSecret, NAMESPACE: "tenants" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("NAMESPACE: tenants");
    const secret = secretOf(r.stdout);
    expect(secret.OPENCLAW_GATEWAY_TOKEN).toBe(deriveInstanceToken(tokenSecret, "gateway", "alice"));
    expect(secret.CLAWBOX_AGENT_TOKEN).toBe(deriveInstanceToken(tokenSecret, "agent", "alice"));
    // The tokens travel in a private temp file, never on helm's command line, and it is removed.
    expect(r.stdout).not.toContain(tokenSecret);
  });

  it("passes the chart's schema errors through with a non-zero exit", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "userId: alice\npersistence:\n  size: lots\n");
    const r = deployUser(["install", "alice", bad, "--dry-run=client"], { OPENCLAW_TOKEN_SECRET: "s" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/persistence\/size/);
  });
});
