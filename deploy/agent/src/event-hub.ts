import type { RpcFrameEvent } from "@clawbox/shared/gateway/index";

/**
 * Gateway events the Manager streams to users (a chat reply as it is written), fanned out from
 * the agent's one gateway connection to every Manager socket. Only these: the gateway emits
 * many more (ticks, health, cron), which the Manager has no use for.
 */
export const FORWARDED_EVENTS = new Set(["chat"]);

export class EventHub {
  private readonly listeners = new Set<(e: RpcFrameEvent) => void>();

  publish(e: RpcFrameEvent): void {
    if (!FORWARDED_EVENTS.has(e.event)) return;
    for (const l of this.listeners) l(e);
  }

  subscribe(listener: (e: RpcFrameEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
