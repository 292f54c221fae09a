import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * OpenClaw keeps cross-process leases in its state database (`state_leases`, 5-minute TTL). A
 * gateway that is SIGKILLed (or OOM-killed) never releases them, and the next gateway on the
 * same state waits for them to expire: about 5 minutes, against a 15-25 s cold start.
 *
 * Only ever called when the owner is provably dead: every process of the instance is gone (its
 * cgroup is empty, or, unsandboxed, its process tree). A state dir belongs to exactly one
 * instance, so every lease in it was held by that dead process set and none can be live.
 * Its lock files under the instance's private /tmp are removed for the same reason.
 */
export function clearStaleLeases(stateDir: string, tmpDir: string): number {
  if (existsSync(tmpDir)) {
    for (const name of readdirSync(tmpDir)) if (name.startsWith("openclaw-state-locks-")) rmSync(join(tmpDir, name), { recursive: true, force: true });
  }
  const db = join(stateDir, "state", "openclaw.sqlite");
  if (!existsSync(db)) return 0;
  const sqlite = new DatabaseSync(db, { timeout: 5000 });
  try {
    const table = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'state_leases'").get();
    if (!table) return 0;
    const r = sqlite.prepare("DELETE FROM state_leases").run();
    return Number(r.changes);
  } finally {
    sqlite.close();
  }
}
