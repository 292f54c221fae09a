import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Development secrets generated once and kept in `<dataDir>/secrets/` (mode 0600), so a
 * restart keeps sessions and instance tokens valid. Production supplies its own via env.
 */
export interface DevSecrets {
  managerApiKey: string;
  jwtSecret: string;
}

function persisted(dir: string, name: string): string {
  const path = join(dir, name);
  if (existsSync(path)) {
    const value = readFileSync(path, "utf8").trim();
    if (value.length >= 32) return value;
  }
  const value = randomBytes(32).toString("base64url");
  writeFileSync(path, value + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return value;
}

export function loadDevSecrets(dataDir: string, env: NodeJS.ProcessEnv): DevSecrets {
  const dir = join(dataDir, "secrets");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    managerApiKey: env.OPENCLAW_MANAGER_API_KEY?.trim() || persisted(dir, "manager-api-key"),
    jwtSecret: env.JWT_SECRET?.trim() || persisted(dir, "jwt-secret"),
  };
}
