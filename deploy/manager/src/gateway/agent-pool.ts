import { RpcConnection, type InstanceEndpoint, type RpcFrameEvent } from "@clawbox/shared";

/**
 * One persistent WebSocket per instance from the Manager to its pod agent (`GET /rpc`), reused
 * by every request for that instance (never a connection per call). Entries are replaced when
 * the endpoint changes (new pod IP / token) and evicted when the instance is deleted.
 */
export class AgentPool {
  private readonly conns = new Map<string, { key: string; conn: RpcConnection }>();
  /** Listeners of the events an agent pushes (chat replies), by userId; they outlive reconnects. */
  private readonly listeners = new Map<string, Set<(e: RpcFrameEvent) => void>>();

  subscribe(userId: string, listener: (e: RpcFrameEvent) => void): () => void {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(userId) === set) this.listeners.delete(userId);
    };
  }

  get(userId: string, ep: InstanceEndpoint): RpcConnection {
    const key = `${ep.agentUrl}|${ep.agentToken}`;
    const hit = this.conns.get(userId);
    if (hit && hit.key === key) return hit.conn;
    hit?.conn.close();
    const conn = new RpcConnection({
      url: `${ep.agentUrl.replace(/^http/, "ws")}/rpc`,
      headers: { Authorization: `Bearer ${ep.agentToken}` },
      name: `agent of ${userId}`,
      connectTimeoutMs: 5000,
      backoffInitialMs: 100,
      backoffMaxMs: 2000,
      maxBackgroundReconnects: 5,
      onEvent: (e) => {
        for (const l of this.listeners.get(userId) ?? []) l(e);
      },
    });
    this.conns.set(userId, { key, conn });
    return conn;
  }

  evict(userId: string): void {
    this.conns.get(userId)?.conn.close();
    this.conns.delete(userId);
  }

  closeAll(): void {
    for (const userId of [...this.conns.keys()]) this.evict(userId);
  }

  /** Sockets opened so far for this instance (1 while the connection stays healthy). */
  connectCount(userId: string): number {
    return this.conns.get(userId)?.conn.connectCount ?? 0;
  }

  get size(): number {
    return this.conns.size;
  }
}
