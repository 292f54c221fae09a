// The gateway image installs deploy/gateway/package-lock.json with `npm ci` (Dockerfile.gke). It
// must pin exactly what the repo's root lock pins for the gateway (the versions the local runtime
// and the tests run), and agree with deploy/gateway/package.json, or npm ci refuses to build.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { derivedGatewayLockfile, GATEWAY_LOCK, gatewayLockfile, type Lockfile, resolve, unbundled } from "./lockfile.ts";

const committed = JSON.parse(readFileSync(GATEWAY_LOCK, "utf8")) as Lockfile;
const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const dockerfile = readFileSync(new URL("../../Dockerfile.gke", import.meta.url), "utf8");

describe("deploy/gateway/package-lock.json", () => {
  it("has the gateway's dependencies at its root, as package.json declares them", () => {
    expect(committed.packages[""]).toEqual({ name: pkg.name, version: pkg.version, dependencies: pkg.dependencies });
  });

  it("pins every package the root lock pins for the gateway: same paths, versions and integrity (bundled ones aside)", () => {
    const derived = unbundled(derivedGatewayLockfile());
    expect(Object.keys(derived).length).toBeGreaterThan(100);
    expect(unbundled(committed)).toEqual(derived);
    expect(committed.packages["node_modules/openclaw"]?.version).toBe(pkg.dependencies.openclaw);
  });

  it("notices a root lock that moved a package (the comparison can fail)", () => {
    const root = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8")) as Lockfile;
    const bumped = structuredClone(root);
    bumped.packages["node_modules/protobufjs"]!.version = "7.9.9";
    expect(unbundled(committed)).not.toEqual(unbundled(gatewayLockfile(bumped, pkg)));
  });

  it("resolves every required peer dependency inside itself (npm runs with legacy-peer-deps and installs no peers)", () => {
    // A peer the repo root happens to hoist for another workspace is missing in the image unless
    // deploy/gateway/package.json names it: @openclaw/proxyline needs undici (openclaw's CLI
    // failed in the image build with "Cannot find package 'undici'").
    const packages = committed.packages;
    const missing: string[] = [];
    for (const [path, e] of Object.entries(packages)) {
      const peers = (e as { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> });
      for (const dep of Object.keys(peers.peerDependencies ?? {})) {
        if (peers.peerDependenciesMeta?.[dep]?.optional || resolve(packages, path, dep)) continue;
        missing.push(`${path} -> ${dep}`);
      }
    }
    // baileys' sharp peer is absent from the root install too (the tests run without it).
    expect(missing).toEqual(["node_modules/@openclaw/whatsapp/node_modules/baileys -> sharp"]);
  });

  it("is what Dockerfile.gke installs, with npm ci", () => {
    expect(dockerfile).toContain("COPY deploy/gateway/package.json deploy/gateway/package-lock.json ./");
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev /);
    expect(dockerfile).not.toMatch(/npm install --omit=dev --no-audit --no-fund --legacy-peer-deps/);
  });
});
