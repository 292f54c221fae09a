import { readFile, realpath, unlink } from "node:fs/promises";
import { sep } from "node:path";
import { GatewayError, type GatewayClient } from "@clawbox/shared/gateway/index";

/**
 * Screenshot bytes of the live browser tab. The gateway's `browser.request POST /screenshot`
 * returns a file path on its host, so the agent (same pod, same volume) reads the file and
 * returns the bytes. The browser is started first if it is not running (first launch with a
 * new profile takes ~11 s). Only files under the state dir are ever read.
 */
export async function takeScreenshot(gateway: GatewayClient, stateDir: string): Promise<Buffer> {
  const info = await gateway.request<{ running?: boolean }>("browser.request", { method: "GET", path: "/" }, { timeoutMs: 15_000 });
  if (!info?.running) {
    // The gateway gives Chromium a fixed 15 s to open its CDP port (not configurable in
    // 2026.9.6); on a busy machine the first launch can miss that, and a retry usually
    // succeeds (profile and caches are warm by then).
    for (let attempt = 1; ; attempt++) {
      try {
        await gateway.request("browser.request", { method: "POST", path: "/start", timeoutMs: 60_000 }, { timeoutMs: 75_000 });
        break;
      } catch (e) {
        if (attempt >= 3 || !(e instanceof GatewayError) || e.kind === "timeout") throw e;
      }
    }
  }
  // A busy node (a neighbour starting its gateway) can hold Chromium for tens of seconds: a slow
  // picture is better than an error the user can only answer by asking again.
  const shot = await gateway.request<{ ok?: boolean; path?: string }>(
    "browser.request",
    { method: "POST", path: "/screenshot", body: { type: "png" }, timeoutMs: 45_000 },
    { timeoutMs: 55_000 },
  );
  if (!shot?.path) throw new GatewayError("gateway", { code: "NO_SCREENSHOT", message: "the gateway returned no screenshot path" });
  const root = await realpath(stateDir);
  const file = await realpath(shot.path);
  if (!file.startsWith(root + sep)) {
    throw new GatewayError("gateway", { code: "FORBIDDEN_PATH", message: "screenshot path is outside the state directory" });
  }
  const bytes = await readFile(file);
  await unlink(file).catch(() => undefined); // one-off file; don't let media/ grow per view
  return bytes;
}
