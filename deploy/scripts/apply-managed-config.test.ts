// The entrypoint's config step, run as the entrypoint runs it: a new instance gets the seed (WhatsApp
// plugin off); a later start re-applies only the platform's keys, so a WhatsApp plugin its user
// turned on (the Manager's QR route) stays on across restarts and wakes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildGatewayConfig } from "@clawbox/shared";

const SCRIPT = new URL("./apply-managed-config.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "apply-managed-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(seed: unknown, config?: unknown): Record<string, any> {
  const seedFile = join(dir, "seed.json");
  const configFile = join(dir, "openclaw.json");
  rmSync(configFile, { force: true });
  writeFileSync(seedFile, JSON.stringify(seed));
  if (config !== undefined) writeFileSync(configFile, JSON.stringify(config));
  execFileSync(process.execPath, [SCRIPT, seedFile, configFile], { stdio: "pipe" });
  return JSON.parse(readFileSync(configFile, "utf8"));
}

describe("apply-managed-config.mjs", () => {
  const seed = buildGatewayConfig({ port: 18789, logFile: "/state/logs/gateway.log" });

  it("seeds a new instance's config with the WhatsApp plugin off", () => {
    expect(run(seed).plugins).toEqual({ entries: { whatsapp: { enabled: false } } });
  });

  it("keeps a WhatsApp plugin its user turned on, while re-applying the platform's keys", () => {
    const own = { ...seed, gateway: { ...seed.gateway, port: 1 }, plugins: { entries: { whatsapp: { enabled: true, config: {} } } } };
    const after = run(seed, own);
    expect(after.plugins).toEqual({ entries: { whatsapp: { enabled: true, config: {} } } });
    expect(after.gateway.port).toBe(18789);
  });
});
