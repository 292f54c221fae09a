import type { InstanceGateway } from "./instance-gateway.ts";

type ConfigGet = { hash?: string; config?: Record<string, unknown> };

/**
 * One compare-and-set write of the gateway's config: `config.get`, then `config.patch {raw, baseHash}`.
 * A concurrent write, or this write sent again across the restart it caused (restart-wait.ts),
 * fails on the stale hash ("config changed since last load"): the config is read again and, unless
 * `alreadyDone` says the change is in it, patched once more. Null when nothing had to be written.
 */
export async function patchConfig(
  gw: InstanceGateway,
  userId: string,
  change: { raw: string; note: string; alreadyDone?: (config: Record<string, unknown> | undefined) => boolean },
): Promise<{ changedPaths?: string[] } | null> {
  for (let attempt = 0; ; attempt++) {
    const cfg = await gw.call<ConfigGet>(userId, "config.get", {}, 30_000);
    if (change.alreadyDone?.(cfg.config)) return null;
    try {
      return await gw.call<{ changedPaths?: string[] }>(userId, "config.patch", { raw: change.raw, baseHash: cfg.hash, note: change.note }, 90_000);
    } catch (e) {
      if (attempt === 0 && /config changed since last load/i.test((e as Error).message ?? "")) continue;
      throw e;
    }
  }
}
