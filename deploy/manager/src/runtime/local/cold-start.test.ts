/**
 * The cold-start settings of a local instance (docs/cold-start.md): where the gateway's compile
 * cache goes, the switch that turns it off, and the warmed cache a new instance starts with.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../config.ts";
import { CompileCacheSeed } from "./compile-cache-seed.ts";
import { instanceLayout } from "./layout.ts";
import { agentEnv, gatewayEnv } from "./process-env.ts";
import { writeSecrets } from "./store.ts";
import { WhatsAppSeed } from "./whatsapp-seed.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "clawbox-cold-start-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.OPENCLAW_GATEWAY_STARTUP_TRACE;
});

const envFor = (dataDir: string, compileCache: boolean) =>
  gatewayEnv({
    userId: "alice",
    layout: instanceLayout(dataDir, "alice", 0, 20000),
    tokenSecret: "secret",
    openclawEntry: "/x/openclaw.mjs",
    desktop: false,
    tmpDir: "/tmp",
    compileCache,
  });

describe("gateway env", () => {
  it("puts Node's compile cache on the instance's state dir", () => {
    const data = tmp();
    const env = envFor(data, true);
    expect(env.NODE_COMPILE_CACHE).toBe(join(data, "instances", "alice", "state", "cache", "node-compile-cache"));
    expect(env.NODE_COMPILE_CACHE!.startsWith(`${env.OPENCLAW_STATE_DIR}/`)).toBe(true);
    expect(env.NODE_DISABLE_COMPILE_CACHE).toBeUndefined();
  });

  it("turns the cache off with Node's own switch when LOCAL_COMPILE_CACHE=off", () => {
    const env = envFor(tmp(), false);
    expect(env.NODE_DISABLE_COMPILE_CACHE).toBe("1");
    expect(env.NODE_COMPILE_CACHE).toBeUndefined();
  });

  it("passes OpenClaw's start-up trace switch through, and nothing else of the Manager's env", () => {
    process.env.OPENCLAW_GATEWAY_STARTUP_TRACE = "1";
    const env = envFor(tmp(), true);
    expect(env.OPENCLAW_GATEWAY_STARTUP_TRACE).toBe("1");
    expect(env.OPENCLAW_MANAGER_API_KEY).toBeUndefined();
  });

  it("routes the gateway and its agent through CLAWBOX_INSTANCE_PROXY, over the Manager's own proxy and a user's secret, with loopback direct", () => {
    const data = tmp();
    const layout = instanceLayout(data, "alice", 0, 20000);
    mkdirSync(layout.dir, { recursive: true });
    writeSecrets(layout.secretsFile, { HTTPS_PROXY: "http://users-own-proxy.example:8080" });
    process.env.HTTPS_PROXY = "http://managers-proxy.example:3128";
    try {
      const proxy = "http://egress.internal:3128";
      const gw = gatewayEnv({ userId: "alice", layout, tokenSecret: "s", openclawEntry: "/x/openclaw.mjs", desktop: false, tmpDir: "/tmp", compileCache: true, proxy });
      const agent = agentEnv("alice", layout, "s", proxy);
      for (const env of [gw, agent]) {
        expect(env).toMatchObject({ HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: "localhost,127.0.0.1,::1" });
      }
      // Without it, the Manager's own proxy passes on, as before.
      expect(agentEnv("alice", layout, "s").HTTPS_PROXY).toBe("http://managers-proxy.example:3128");
    } finally {
      delete process.env.HTTPS_PROXY;
    }
  });
});

describe("LOCAL_COMPILE_CACHE", () => {
  it("is on the volume by default; warm and off on request; nothing else", () => {
    const mode = (v?: string) => loadConfig({ OPENCLAW_MANAGER_API_KEY: "k", ...(v ? { LOCAL_COMPILE_CACHE: v } : {}) }).local.compileCache;
    expect(mode()).toBe("volume");
    expect(mode("warm")).toBe("warm");
    expect(mode("off")).toBe("off");
    expect(() => mode("1")).toThrow(/LOCAL_COMPILE_CACHE/);
  });

  it("gives the seed a warmed cache only when asked to", () => {
    expect(new WhatsAppSeed(tmp()).compileCache).toBeUndefined();
    expect(new WhatsAppSeed(tmp(), { compileCache: true }).compileCache).toBeInstanceOf(CompileCacheSeed);
  });
});

describe("warmed compile cache of the seed", () => {
  const warmed = (seedDir: string) => {
    const seed = new CompileCacheSeed(seedDir, { sandboxed: true });
    mkdirSync(join(seed.cacheDir, "openclaw", "v1"), { recursive: true });
    writeFileSync(join(seed.cacheDir, "openclaw", "v1", "entry"), "code");
    writeFileSync(join(seedDir, "compile-cache", "READY"), "now");
    return seed;
  };

  it("is copied into a new instance's cache dir", () => {
    const seed = warmed(tmp());
    const target = join(tmp(), "state", "cache", "node-compile-cache");
    expect(seed.copyTo(target)).toBe(true);
    expect(readFileSync(join(target, "openclaw", "v1", "entry"), "utf8")).toBe("code");
  });

  it("never replaces an instance's own cache, and is not copied before it is ready", () => {
    const seed = warmed(tmp());
    const target = join(tmp(), "cache");
    mkdirSync(target);
    expect(seed.copyTo(target)).toBe(false);
    expect(existsSync(join(target, "openclaw"))).toBe(false);
    const unready = new CompileCacheSeed(tmp(), { sandboxed: true });
    expect(unready.copyTo(join(tmp(), "other"))).toBe(false);
  });
});
