/**
 * A machine that cannot sandbox instances: the Manager says what is missing and refuses to
 * start, unless CLAWBOX_UNSAFE_NO_SANDBOX=1, and then every instance reports isolated: false.
 * "Without root" is a real unprivileged process (`nobody`), not a mock.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@clawbox/shared";
import { loadConfig } from "../../config.ts";
import { LocalRuntime } from "./index.ts";
import { WHATSAPP_SPEC } from "./whatsapp-seed.ts";

const LAUNCHER = fileURLToPath(new URL("./launcher.ts", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function asNobody(script: string) {
  return spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: "/",
  });
}

describe("without root", () => {
  it("refuses to run instances and names what is missing, with the way out", () => {
    const r = asNobody(`
      const { Launcher } = await import(${JSON.stringify(LAUNCHER)});
      const logger = { warn() {}, info() {}, error() {} };
      try { new Launcher({ portBase: 30000, uidBase: 2000000, pidsLimit: 100, unsafeNoSandbox: false, logger }); console.log("STARTED"); }
      catch (e) { console.log(e.message); }`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("STARTED");
    expect(r.stdout).toMatch(/cannot be sandboxed on this machine; missing: root/);
    expect(r.stdout).toContain("CLAWBOX_UNSAFE_NO_SANDBOX=1");
  });

  it("runs unsandboxed only with CLAWBOX_UNSAFE_NO_SANDBOX=1", () => {
    const r = asNobody(`
      const { Launcher } = await import(${JSON.stringify(LAUNCHER)});
      const warnings = [];
      const logger = { warn(...a) { warnings.push(a.map(String).join(" ")); }, info() {}, error() {} };
      const l = new Launcher({ portBase: 30000, uidBase: 2000000, pidsLimit: 100, unsafeNoSandbox: true, logger });
      console.log(JSON.stringify({ isolated: l.isolated, warned: warnings.join(" ") }));`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.isolated).toBe(false);
    expect(out.warned).toMatch(/WITHOUT a sandbox/);
  });
});

describe("CLAWBOX_UNSAFE_NO_SANDBOX=1", () => {
  it("every instance's status says it is not isolated", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "clawbox-unsafe-"));
    dirs.push(dataDir);
    // A finished (empty) WhatsApp seed: no one-time plugin build for this throwaway data root.
    const seed = join(dataDir, "seed", WHATSAPP_SPEC.replace(/[@/]/g, "_"));
    mkdirSync(seed, { recursive: true });
    writeFileSync(join(seed, "READY"), "test");
    const config = loadConfig({
      OPENCLAW_MANAGER_API_KEY: "unsafe-test-key",
      CLAWBOX_DATA_DIR: dataDir,
      CLAWBOX_UNSAFE_NO_SANDBOX: "1",
      CLAWBOX_DESKTOP: "off",
      LOCAL_PORT_BASE: "33000",
      LOCAL_STOP_GRACE_MS: "5000",
    });
    const runtime = new LocalRuntime({ config, logger: createLogger("unsafe-int", { level: "silent" }) });
    await runtime.start();
    try {
      const { status } = await runtime.create({ userId: "unsafe-one" });
      expect(status.isolated).toBe(false);
      expect((await runtime.list())[0]!.isolated).toBe(false);
    } finally {
      await runtime.delete("unsafe-one", { preservePvc: false });
      await runtime.stopAll();
    }
  });
});
