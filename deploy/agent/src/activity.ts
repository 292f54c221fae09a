/**
 * Last activity of the instance: a relayed call from the Manager, or a conversation event
 * from the gateway (chat/agent/session traffic means the assistant is in use).
 */
const ACTIVE_EVENTS = new Set(["chat", "agent", "session.message", "session.tool", "sessions.changed"]);

export class ActivityTracker {
  private last = Date.now();

  touch(at = Date.now()): void {
    if (at > this.last) this.last = at;
  }

  onGatewayEvent(event: string): void {
    if (ACTIVE_EVENTS.has(event)) this.touch();
  }

  get lastActivityAt(): string {
    return new Date(this.last).toISOString();
  }
}
