// The gateway image installs deploy/gateway/package-lock.json with `npm ci` (Dockerfile.gke). It
// must pin exactly what the repo's root lock pins for the gateway (the versions the local runtime
// and the tests run), and agree with deploy/gateway/package.json, or npm ci refuses to build.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { derivedGatewayLockfile, GATEWAY_LOCK, gatewayLockfile, type Lockfile, unbundled } from "./lockfile.ts";

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

  it("is what Dockerfile.gke installs, with npm ci", () => {
    expect(dockerfile).toContain("COPY deploy/gateway/package.json deploy/gateway/package-lock.json ./");
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev /);
    expect(dockerfile).not.toMatch(/npm install --omit=dev --no-audit --no-fund --legacy-peer-deps/);
  });
});
