import { readFile, realpath, unlink } from "node:fs/promises";
import { sep } from "node:path";
import { GatewayError, type GatewayClient } from "@clawbox/shared/gateway/index";
import { ensureBrowser } from "./browser.ts";

/**
 * Screenshot bytes of the live browser tab. The gateway's `browser.request POST /screenshot`
 * returns a file path on its host, so the agent (same pod, same volume) reads the file and
 * returns the bytes. The browser is started first if it is not running (ensureBrowser). Only
 * files under the state dir are ever read.
 */
export async function takeScreenshot(gateway: GatewayClient, stateDir: string): Promise<Buffer> {
  await ensureBrowser(gateway);
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
