import { existsSync, writeFileSync } from "node:fs";
import { buildGatewayConfig, type ProviderBaseUrls } from "@clawbox/shared";
import type { DesktopSupport } from "./desktop.ts";
import type { InstanceLayout } from "./layout.ts";
import type { InstanceRecord } from "./store.ts";
import type { WhatsAppSeed } from "./whatsapp-seed.ts";

/**
 * buildGatewayConfig -> the instance's seed file (the ConfigMap's counterpart) -> the entrypoint,
 * which seeds the config from it when missing and otherwise re-applies the keys the platform owns.
 */
export interface GatewaySeedInput {
  layout: InstanceLayout;
  record: InstanceRecord;
  desktop: DesktopSupport;
  seed: WhatsAppSeed;
  /** Chromium's own sandbox cannot run inside the instance sandbox (no_new_privs, nested user namespace) nor as root. */
  chromiumNoSandbox: boolean;
  gateway?: { telegramApiRoot?: string; providerBaseUrls: ProviderBaseUrls };
  log: (msg: string) => void;
}

export async function writeGatewaySeed(i: GatewaySeedInput): Promise<void> {
  const { layout } = i;
  if (!existsSync(layout.configFile)) {
    // Preinstalled WhatsApp: wait for the one-time seed build if it is running now.
    if (await withTimeout(i.seed.ensure(i.log), 180_000, false)) i.seed.applyTo(layout.stateDir);
    // A new instance: the warmed compile cache spares its first start compiling OpenClaw.
    i.seed.compileCache?.copyTo(layout.compileCacheDir);
  }
  const config = buildGatewayConfig({
    port: layout.ports.gateway,
    logFile: layout.openclawLog,
    browser: {
      headless: !i.desktop.available,
      noSandbox: i.chromiumNoSandbox,
      ...(i.desktop.chromium ? { executablePath: i.desktop.chromium } : {}),
    },
    ...(i.record.model ? { model: i.record.model } : {}),
    providerBaseUrls: i.gateway?.providerBaseUrls,
    telegramApiRoot: i.gateway?.telegramApiRoot,
  });
  // Written on every boot, like the ConfigMap on every apply: the entrypoint seeds the config
  // from it when missing and otherwise re-applies the keys the platform owns (the model...).
  writeFileSync(layout.configSeedFile, JSON.stringify(config, null, 2), { mode: 0o600 });
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}
