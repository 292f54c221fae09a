/**
 * The Manager's graceful stop: stop accepting and finish in-flight requests, then stop the
 * runtime (watches, reconciler). Both steps run even if the first fails; the exit code says
 * whether everything stopped (0) or not (1), so an orchestrator sees a failed shutdown.
 */
import type { Logger } from "@clawbox/shared";

export interface Stoppable {
  server: { close(): Promise<unknown> };
  runtime: { stop(): Promise<void> };
}

export async function stopAll(parts: Stoppable, logger: Logger): Promise<number> {
  let code = 0;
  for (const [name, stop] of [
    ["server", () => parts.server.close()],
    ["runtime", () => parts.runtime.stop()],
  ] as const) {
    try {
      await stop();
    } catch (e) {
      code = 1;
      logger.error({ err: e, part: name }, "stopping failed");
    }
  }
  return code;
}
