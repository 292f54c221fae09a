import type { InstanceRuntime } from "@clawbox/shared";

/** Polls a runtime until the instance runs; an `error` phase or 10 minutes is a failure. */
export async function untilRunning(runtime: InstanceRuntime, userId: string, t0: number): Promise<void> {
  for (;;) {
    const s = await runtime.get(userId);
    if (s?.phase === "running") return;
    if (s?.phase === "error") throw new Error(`${userId}: ${s.message}`);
    if (performance.now() - t0 > 600_000) throw new Error(`${userId} not running after 10 min: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
