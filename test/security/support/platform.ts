import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startPlatformProcess, type StartedPlatform } from "../../e2e/support/platform.ts";
import { freePort, freePortBase } from "../../support/ports.ts";
import { call } from "./http.ts";

/**
 * The attacked target: the real platform exactly as `npm start` runs it (Manager with the local
 * runtime, App API on PGlite, the app's one-origin proxy), on ports free at the time.
 */
/** Per-address limit of the auth routes during the suite (each test uses its own addresses). */
export const AUTH_RATE_LIMIT_PER_MINUTE = 30;

export interface Target extends StartedPlatform {
  managerUrl: string;
  /** The app's origin + "/api": what a browser talks to. */
  viaProxy: string;
  managerApiKey: string;
  jwtSecret: string;
}

export async function startTarget(): Promise<Target> {
  const ports = { app: await freePort(), api: await freePort(), manager: await freePort() };
  const p = await startPlatformProcess({
    CLAWBOX_APP_PORT: String(ports.app),
    CLAWBOX_API_PORT: String(ports.api),
    CLAWBOX_MANAGER_PORT: String(ports.manager),
    // Two instances (the suite's two users), one spare block.
    LOCAL_PORT_BASE: String(await freePortBase(3)),
    AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_RATE_LIMIT_PER_MINUTE),
    LOG_LEVEL: "debug",
  });
  const secret = (name: string) => readFileSync(join(p.dataDir, "secrets", name), "utf8").trim();
  return {
    ...p,
    managerUrl: `http://127.0.0.1:${ports.manager}`,
    viaProxy: `${p.appUrl}/api`,
    managerApiKey: secret("manager-api-key"),
    jwtSecret: secret("jwt-secret"),
  };
}

/** Every log file the platform's processes wrote under the data dir (instances' logs). */
export function logFiles(dataDir: string): { path: string; mode: number }[] {
  const out: { path: string; mode: number }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".log")) out.push({ path: p, mode: statSync(p).mode & 0o777 });
    }
  };
  walk(dataDir);
  return out;
}

let counter = 0;
/** A fresh account (signed up through the app's proxy from `from`). */
export async function signup(t: Target, from = "127.0.0.1", password = "correct horse battery") {
  const email = `sec-${Date.now()}-${counter++}@example.com`;
  const r = await call(t.viaProxy, "POST", "/auth/signup", { body: { email, password }, from });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  return { email, password, ...(r.body as { user: { id: string }; accessToken: string; refreshToken: string }) };
}
