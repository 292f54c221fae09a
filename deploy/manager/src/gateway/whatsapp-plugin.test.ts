import { describe, expect, it } from "vitest";
import type { InstanceGateway } from "./instance-gateway.ts";
import { ensureWhatsAppPlugin } from "./whatsapp-plugin.ts";

/**
 * The plugin's first load against a gateway that takes the config write: one that loads the
 * plugin by itself, and one that drops the change (OpenClaw, during a channel reload) until the
 * instance restarts.
 */
function gateway(loadsItself: boolean, restartLoads = true) {
  const seen = { patches: 0, restarts: 0, restartReason: "" };
  let enabled = false;
  let loaded = false;
  const gw = {
    call: async (_u: string, method: string) => {
      if (method === "config.get") return { hash: "h", config: { plugins: { entries: { whatsapp: { enabled } } } } };
      if (method === "config.patch") {
        seen.patches++;
        enabled = true;
        loaded = loadsItself;
        return { changedPaths: ["plugins.entries.whatsapp.enabled"] };
      }
      if (method === "channels.status") {
        if (!loaded) throw Object.assign(new Error("unknown channel: whatsapp"), { code: "INVALID_REQUEST" });
        return { channels: { whatsapp: { configured: false } } };
      }
      throw new Error(`unexpected ${method}`);
    },
    restartInstance: async (_u: string, reason: string) => {
      seen.restarts++;
      seen.restartReason = reason;
      loaded = enabled && restartLoads; // a fresh gateway reads the plugin from its config
    },
  } as unknown as InstanceGateway;
  return { gw, seen };
}

describe("the WhatsApp plugin's first load", () => {
  it("turns the plugin on once and waits for OpenClaw to load it, restarting nothing", async () => {
    const { gw, seen } = gateway(true);
    await ensureWhatsAppPlugin(gw, "u1", 4000);
    expect(seen).toMatchObject({ patches: 1, restarts: 0 });
    // Already on: no second write.
    await ensureWhatsAppPlugin(gw, "u1", 4000);
    expect(seen.patches).toBe(1);
  });

  it("restarts the instance once when the gateway took the change but did not load the plugin", async () => {
    const { gw, seen } = gateway(false);
    await ensureWhatsAppPlugin(gw, "u1", 4000);
    expect(seen).toMatchObject({ patches: 1, restarts: 1, restartReason: expect.stringMatching(/did not load it/) });
  });

  it("answers 504 WHATSAPP_LOADING when even a restart does not bring the channel in time", async () => {
    const { gw, seen } = gateway(false, false);
    await expect(ensureWhatsAppPlugin(gw, "u1", 3000)).rejects.toMatchObject({ status: 504, code: "WHATSAPP_LOADING" });
    expect(seen.restarts).toBe(1);
  });
});
