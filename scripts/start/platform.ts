import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import { ensureSystemPackages, INSTALL_HINT, missingSystemPackages } from "../system-packages.ts";
import { createAppServer } from "./app-server.ts";
import { spawnService, stopServices, waitForHttp, type Service } from "./children.ts";
import { loadDevSecrets } from "./dev-secrets.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));

/** What `npm start` runs, all from the environment (see the README quick start). */
export interface PlatformSettings {
  dataDir: string;
  host: string;
  appPort: number;
  apiPort: number;
  managerPort: number;
  installSystemPackages: boolean;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  return n;
}

export function platformSettings(env: NodeJS.ProcessEnv = process.env): PlatformSettings {
  return {
    dataDir: resolve(env.CLAWBOX_DATA_DIR?.trim() || join(REPO_ROOT, ".data")),
    host: env.CLAWBOX_HOST?.trim() || "127.0.0.1",
    appPort: port(env, "CLAWBOX_APP_PORT", 8080),
    apiPort: port(env, "CLAWBOX_API_PORT", 4000),
    managerPort: port(env, "CLAWBOX_MANAGER_PORT", 3000),
    installSystemPackages: env.CLAWBOX_SKIP_SYSTEM_PACKAGES !== "1",
  };
}

export interface RunningPlatform {
  appUrl: string;
  apiUrl: string;
  managerUrl: string;
  liveViewAvailable: boolean;
  /** Resolves when any service exits on its own (the platform is then broken). */
  serviceExited: Promise<string>;
}

export interface Platform {
  start(): Promise<RunningPlatform>;
  /** Stops everything started so far; safe to call at any time, also during start(). */
  stop(): Promise<void>;
}

const log = (line: string) => process.stdout.write(`[start] ${line}\n`);

/** Runs a one-shot build step as a prefixed child process; rejects on a non-zero exit. */
async function runStep(name: string, args: string[], cwd: string, track: (s: Service) => Service): Promise<void> {
  const step = track(spawnService(name, process.execPath, args, { cwd, env: process.env }));
  const code = await step.exited;
  if (code !== 0) throw new Error(`${name} failed (exit ${code})`);
}


async function checkLiveView(settings: PlatformSettings): Promise<boolean> {
  const liveViewPackages = ["xvfb", "x11vnc", "websockify", "chromium"];
  if (settings.installSystemPackages) {
    try {
      await ensureSystemPackages({ reason: "the assistants' sandbox and the live browser view", required: false });
    } catch (err) {
      log(`could not install Debian packages: ${(err as Error).message}`);
    }
  }
  return !missingSystemPackages().some((p) => liveViewPackages.includes(p));
}

export function createPlatform(settings = platformSettings()): Platform {
  const services: Service[] = [];
  let appServer: Server | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      appServer?.close();
      appServer?.closeAllConnections();
      await stopServices(services);
    })());
  const track = (s: Service) => {
    services.push(s);
    // A signal during start: stop() already ran, so stop this late one too.
    if (stopping) void stopServices([s]);
    return s;
  };
  return { start: () => start(settings, track, (s) => (appServer = s), stop), stop };
}

async function start(
  settings: PlatformSettings,
  track: (s: Service) => Service,
  setAppServer: (s: Server) => void,
  stop: () => Promise<void>,
): Promise<RunningPlatform> {
  mkdirSync(settings.dataDir, { recursive: true });
  const secrets = loadDevSecrets(settings.dataDir, process.env);
  const liveViewAvailable = await checkLiveView(settings);
  const services: Service[] = [];

  const managerUrl = `http://127.0.0.1:${settings.managerPort}`;
  const apiUrl = `http://127.0.0.1:${settings.apiPort}`;
  try {
    log("building the app and the App API, starting the Manager...");
    const manager = spawnService("manager", process.execPath, ["src/index.ts"], {
      cwd: join(REPO_ROOT, "deploy/manager"),
      env: {
        ...process.env,
        OPENCLAW_MANAGER_API_KEY: secrets.managerApiKey,
        OPENCLAW_RUNTIME: process.env.OPENCLAW_RUNTIME || "local",
        // Deleting an instance waits for its gateway to exit; keep that well inside the App
        // API's Manager timeout (MANAGER_TIMEOUT_MS, 30 s) so a delete from the app succeeds.
        LOCAL_STOP_GRACE_MS: process.env.LOCAL_STOP_GRACE_MS || "10000",
        // Ctrl-C stops the assistants too (by pid, from their cgroups), even mid-boot.
        LOCAL_STOP_INSTANCES_ON_EXIT: "1",
        CLAWBOX_DATA_DIR: settings.dataDir,
        PORT: String(settings.managerPort),
        HOST: "127.0.0.1",
      },
    });
    services.push(track(manager));
    const builds = Promise.all([
      // vite build in its own process: in-process it would set NODE_ENV=production for the services.
      runStep("app-build", [join(REPO_ROOT, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], join(REPO_ROOT, "deploy/app"), track),
      runStep("api-build", [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], join(REPO_ROOT, "deploy/api"), track),
    ]);
    await Promise.all([builds, waitForHttp(`${managerUrl}/health`, manager, 120_000)]);

    const api = spawnService("api", process.execPath, ["dist/main.js"], {
      cwd: join(REPO_ROOT, "deploy/api"),
      env: {
        ...process.env,
        CLAWBOX_DATA_DIR: settings.dataDir,
        PORT: String(settings.apiPort),
        HOST: "127.0.0.1",
        MANAGER_URL: managerUrl,
        MANAGER_API_KEY: secrets.managerApiKey,
        // Channel setup restarts the gateway; on a busy laptop that can take longer than the
        // API's 30 s production default, so the local platform waits longer.
        MANAGER_TIMEOUT_MS: process.env.MANAGER_TIMEOUT_MS || "90000",
        JWT_SECRET: secrets.jwtSecret,
        // The app server below is the one proxy in front of the API (on loopback): the API takes
        // the client address from its X-Forwarded-For, and from nobody else's.
        TRUST_PROXY: "127.0.0.1",
      },
    });
    services.push(track(api));
    await waitForHttp(`${apiUrl}/health`, api, 120_000);

    const appServer = createAppServer({
      distDir: join(REPO_ROOT, "deploy/app/dist"),
      apiUrl,
      config: {
        apiBase: "/api",
        googleClientId: process.env.GOOGLE_CLIENT_ID?.trim() || null,
        appleClientId: process.env.APPLE_CLIENT_ID?.trim() || null,
      },
    });
    setAppServer(appServer);
    await new Promise<void>((resolveListen, reject) => {
      appServer.once("error", reject);
      appServer.listen(settings.appPort, settings.host, () => resolveListen());
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const shownHost = settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host;
  const serviceExited = Promise.race(services.map((s) => s.exited.then(() => s.name)));
  return { appUrl: `http://${shownHost}:${settings.appPort}`, apiUrl, managerUrl, liveViewAvailable, serviceExited };
}

export function banner(p: RunningPlatform, settings: PlatformSettings): string {
  const lines = [
    "",
    "ClawBox is running.",
    `  App:      ${p.appUrl}    <- open this in a browser`,
    `  App API:  ${p.apiUrl}  (API docs: ${p.apiUrl}/docs)`,
    `  Manager:  ${p.managerUrl}  (internal; its key is in ${join(settings.dataDir, "secrets/manager-api-key")})`,
    `  Data:     ${settings.dataDir}  (database: api-db/, instances: instances/, secrets: secrets/)`,
    p.liveViewAvailable
      ? "  Live browser view: available"
      : `  Live browser view: UNAVAILABLE (Xvfb/x11vnc/websockify/chromium missing). Install them with: sudo ${INSTALL_HINT}`,
    "Press Ctrl-C to stop everything.",
    "",
  ];
  return lines.join("\n");
}
