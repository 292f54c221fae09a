import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where one local instance lives (ARCHITECTURE.md "Local runtime"): the data root's
 * `instances/<userId>/{state,home,logs,instance.json}` and a block of 200 ports from
 * LOCAL_PORT_BASE: gateway = base, agent = base+150, websockify = base+160, vnc = base+161,
 * X display = 100 + index with the default LOCAL_PORT_BASE. (The gateway itself uses
 * base+2..base+110 for browser/CDP.)
 */
export const PORT_BLOCK = 200;

export interface InstanceLayout {
  dir: string;
  stateDir: string;
  homeDir: string;
  logsDir: string;
  runDir: string;
  /**
   * TMPDIR of the instance. Short on purpose: Chromium puts its SingletonSocket (a unix socket,
   * at most 107 bytes of path) under TMPDIR, and `<data root>/instances/<userId>/state/tmp`
   * is easily too long, which makes every browser launch fail.
   */
  tmpDir: string;
  recordFile: string;
  secretsFile: string;
  /** The model key (the model Secret's counterpart), apart so a model change touches nothing else. */
  modelSecretFile: string;
  configSeedFile: string;
  configFile: string;
  /** NODE_COMPILE_CACHE: on the state volume so that a restart or wake reuses it (the entrypoint's default path). */
  compileCacheDir: string;
  gatewayLog: string;
  agentLog: string;
  openclawLog: string;
  ports: { gateway: number; agent: number; websockify: number; vnc: number };
  display: string;
}

export function instanceLayout(dataDir: string, userId: string, index: number, portBase: number): InstanceLayout {
  const dir = join(dataDir, "instances", userId);
  const stateDir = join(dir, "state");
  const logsDir = join(dir, "logs");
  const base = portBase + index * PORT_BLOCK;
  return {
    dir,
    stateDir,
    homeDir: join(dir, "home"),
    logsDir,
    runDir: join(dir, "run"),
    tmpDir: join(tmpdir(), `clawbox-${createHash("sha256").update(dir).digest("hex").slice(0, 10)}`),
    recordFile: join(dir, "instance.json"),
    secretsFile: join(dir, "secrets.json"),
    modelSecretFile: join(dir, "model-secret.json"),
    configSeedFile: join(dir, "openclaw.seed.json"),
    configFile: join(stateDir, "openclaw.json"),
    compileCacheDir: join(stateDir, "cache", "node-compile-cache"),
    gatewayLog: join(logsDir, "gateway.log"),
    agentLog: join(logsDir, "agent.log"),
    openclawLog: join(logsDir, "openclaw.log"),
    ports: { gateway: base, agent: base + 150, websockify: base + 160, vnc: base + 161 },
    display: `:${displayNumber(base)}`,
  };
}

/**
 * X displays are global to the host, like ports, so they follow the port block: with the default
 * LOCAL_PORT_BASE 20000 instance i gets :(100+i); Managers with other bases (tests, benchmarks,
 * a second developer) get other displays instead of colliding on :100.
 */
export function displayNumber(blockBase: number): number {
  const block = Math.floor(blockBase / PORT_BLOCK);
  return block >= 100 ? block : 400 + block; // 20000/200 = 100 -> :100
}

export function maxIndex(portBase: number): number {
  return Math.floor((65535 - portBase) / PORT_BLOCK) - 1;
}
