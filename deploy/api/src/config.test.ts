import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("App API config", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "clawbox-api-config-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("defaults: port 4000, PGlite in the data dir with migrations at start, the real Google/Apple JWKS, 1 instance", () => {
    const dir = tmp();
    const c = loadConfig({ CLAWBOX_DATA_DIR: dir });
    expect(c).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      pgliteDir: join(dir, "api-db"),
      migrateOnStart: true,
      managerUrl: "http://127.0.0.1:3000",
      googleJwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
      appleJwksUrl: "https://appleid.apple.com/auth/keys",
      revenuecatEntitlement: "pro",
      maxInstancesPerUser: 1,
      swaggerEnabled: true,
    });
    expect(loadConfig({ CLAWBOX_DATA_DIR: dir, DATABASE_URL: "postgresql://x@h/db" }).migrateOnStart).toBe(false);
  });

  it("development: generates a JWT secret once and keeps it (0600) so restarts keep sessions", () => {
    const dir = tmp();
    const a = loadConfig({ CLAWBOX_DATA_DIR: dir });
    const b = loadConfig({ CLAWBOX_DATA_DIR: dir });
    expect(a.jwtSecret).toBe(b.jwtSecret);
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, "api", "jwt-secret");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(a.encryptionKey.equals(b.encryptionKey)).toBe(true);
    expect(a.encryptionKey.length).toBe(32);
  });

  it("production: refuses to start without DATABASE_URL, JWT_SECRET or MANAGER_API_KEY, and hides Swagger", () => {
    const full = { NODE_ENV: "production", DATABASE_URL: "postgresql://x@h/db", JWT_SECRET: "j".repeat(40), MANAGER_API_KEY: "k" };
    expect(loadConfig(full).swaggerEnabled).toBe(false);
    for (const missing of ["DATABASE_URL", "JWT_SECRET", "MANAGER_API_KEY"] as const) {
      expect(() => loadConfig({ ...full, [missing]: undefined }), missing).toThrow(ConfigError);
      expect(() => loadConfig({ ...full, [missing]: undefined })).toThrow(missing);
    }
    expect(() => loadConfig({ ...full, PORT: "abc" })).toThrow(/PORT/);
    expect(() => loadConfig({ ...full, ENCRYPTION_KEY: "short" })).toThrow(/ENCRYPTION_KEY/);
  });
});
