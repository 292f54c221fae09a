import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GatewayModel, SleepPolicy } from "@clawbox/shared";

/**
 * instance.json (the Deployment's counterpart) and secrets.json (the Secret's, mode 0600).
 * A delete that keeps the data leaves instance.json with `deletedAt` so a re-create gets the
 * same port block back when it is free.
 */
export interface InstanceRecord {
  userId: string;
  index: number;
  createdAt: string;
  imageTag?: string;
  restartCount: number;
  deletedAt?: string;
  /** The assistant's model without its key (the key is in model-secret.json). */
  model?: GatewayModel;
  /** Memory limit as the pod has it (Kubernetes quantity, e.g. "2Gi"); the cgroup limit. */
  memoryLimit?: string;
  /** Set while the instance sleeps (its processes are stopped on purpose); the bot token is in wake-secrets.json. */
  sleep?: { since: string; nextCronAt?: string; telegram?: boolean };
  /** The instance's own sleep settings (absent: the Manager's defaults). */
  sleepPolicy?: SleepPolicy;
}

function writeAtomic(file: string, data: string, mode = 0o600) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

export function readRecord(file: string): InstanceRecord | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as InstanceRecord;
  } catch {
    return null;
  }
}

export function writeRecord(file: string, rec: InstanceRecord) {
  mkdirSync(join(file, ".."), { recursive: true });
  writeAtomic(file, JSON.stringify(rec, null, 2));
}

export function readSecrets(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

export function writeSecrets(file: string, secrets: Record<string, string>) {
  writeAtomic(file, JSON.stringify(secrets), 0o600);
}

export function removeSecrets(file: string) {
  rmSync(file, { force: true });
}

export function listRecordFiles(dataDir: string): string[] {
  const root = join(dataDir, "instances");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name, "instance.json"))
    .filter((f) => existsSync(f));
}
