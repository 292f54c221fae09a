import { GatewayError, type GatewayClient } from "@clawbox/shared/gateway/index";

/**
 * Starts the gateway's Chromium if it is not running. OpenClaw starts its browser only when a
 * tool first needs it, so without this a user who opens the live view sees an empty (black) X
 * screen, and a screenshot has no tab to take. First launch with a new profile takes ~11 s.
 */
export async function ensureBrowser(gateway: GatewayClient): Promise<void> {
  const info = await gateway.request<{ running?: boolean }>("browser.request", { method: "GET", path: "/" }, { timeoutMs: 15_000 });
  if (info?.running) return;
  // The gateway gives Chromium a fixed 15 s to open its CDP port (not configurable in
  // 2026.9.6); on a busy machine the first launch can miss that, and a retry usually
  // succeeds (profile and caches are warm by then).
  for (let attempt = 1; ; attempt++) {
    try {
      await gateway.request("browser.request", { method: "POST", path: "/start", timeoutMs: 60_000 }, { timeoutMs: 75_000 });
      return;
    } catch (e) {
      if (attempt >= 3 || !(e instanceof GatewayError) || e.kind === "timeout") throw e;
    }
  }
}
