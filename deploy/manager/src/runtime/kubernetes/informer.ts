/**
 * One list+watch of one kind in one namespace (the informer pattern of client-go / KubeSpawner's
 * reflector): list once (paginated), then watch from the list's resourceVersion; on a closed
 * stream re-watch from the last version seen; on 410 Gone (history compacted) relist and diff.
 * Objects pass through `transform` first (trim to what the status mapping reads, or drop).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@clawbox/shared";
import { KubeApiError, type KubeClient } from "../../k8s/client.ts";

export type InformerEvent = "upsert" | "delete";
export interface Named {
  metadata: { name: string; resourceVersion?: string };
}

export interface InformerOptions<T extends Named> {
  client: KubeClient;
  /** Collection path, e.g. /api/v1/namespaces/openclaw/pods. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger: Logger;
  /** Trim a raw object to what is kept in memory; null drops it. */
  transform: (raw: any) => T | null;
  onChange: (event: InformerEvent, obj: T, previous: T | undefined) => void;
  /** Server-side watch timeout; the watch is re-opened after it (default 300 s). */
  watchTimeoutSeconds?: number;
  pageSize?: number;
  /** Wait after a failed watch, doubling up to `max` (default 500 ms .. 30 s); stop() cuts it short. */
  backoffMs?: { initial: number; max: number };
}

/** resourceVersions are opaque, but in practice etcd revisions: compare numerically when both are. */
export function isNewer(candidate: string | undefined, current: string | undefined): boolean {
  if (!current || !candidate) return true;
  if (/^\d+$/.test(candidate) && /^\d+$/.test(current)) return BigInt(candidate) >= BigInt(current);
  return true;
}

export class Informer<T extends Named> {
  private readonly store = new Map<string, T>();
  /** Objects deleted by us (name -> resourceVersion of the delete), so a late event can't revive them. */
  private readonly tombstones = new Map<string, string>();
  private resourceVersion = "";
  private readonly abort = new AbortController();
  /** Aborts only the watch stream in progress (the loop then re-watches or relists). */
  private current: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly opts: InformerOptions<T>;
  synced = false;
  relists = 0;

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
  }

  get size(): number {
    return this.store.size;
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  get(name: string): T | undefined {
    return this.store.get(name);
  }

  /** Lists, then keeps watching in the background. Resolves once the first list is in memory. */
  async start(): Promise<void> {
    await this.list();
    this.synced = true;
    this.loop = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  /**
   * Drops the watch in progress and watches again from `resourceVersion`. With a version the API
   * server has compacted away, this exercises the 410 Gone -> relist path (used by the tests).
   */
  rewatchFrom(resourceVersion: string): void {
    this.resourceVersion = resourceVersion;
    this.current?.abort();
  }

  /** Put an object we just wrote (e.g. the apply response) so reads see it before its watch event. */
  seed(raw: unknown): void {
    const obj = this.opts.transform(raw);
    if (obj) this.upsert(obj);
  }

  /** Drop an object we just deleted, ignoring any older event for it still in flight. */
  forget(name: string, resourceVersion: string | undefined): void {
    if (resourceVersion) this.tombstones.set(name, resourceVersion);
    const prev = this.store.get(name);
    if (prev) {
      this.store.delete(name);
      this.opts.onChange("delete", prev, prev);
    }
  }

  private upsert(obj: T): void {
    const name = obj.metadata.name;
    const tomb = this.tombstones.get(name);
    if (tomb !== undefined) {
      if (!isNewer(obj.metadata.resourceVersion, tomb) || obj.metadata.resourceVersion === tomb) return;
      this.tombstones.delete(name);
    }
    const prev = this.store.get(name);
    if (prev && !isNewer(obj.metadata.resourceVersion, prev.metadata.resourceVersion)) return;
    this.store.set(name, obj);
    this.opts.onChange("upsert", obj, prev);
  }

  private remove(name: string): void {
    const prev = this.store.get(name);
    this.tombstones.delete(name);
    if (!prev) return;
    this.store.delete(name);
    this.opts.onChange("delete", prev, prev);
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams(extra);
    if (this.opts.labelSelector) q.set("labelSelector", this.opts.labelSelector);
    if (this.opts.fieldSelector) q.set("fieldSelector", this.opts.fieldSelector);
    return `${this.opts.path}?${q.toString()}`;
  }

  /** Full (paginated) list; replaces the store and reports the differences as events. */
  private async list(): Promise<void> {
    const seen = new Map<string, T>();
    let cont = "";
    let rv = "";
    do {
      const page = await this.opts.client.request<{ metadata: { resourceVersion: string; continue?: string }; items: unknown[] }>(
        "list",
        "GET",
        this.query({ limit: String(this.opts.pageSize ?? 500), ...(cont ? { continue: cont } : {}) }),
        { signal: this.abort.signal },
      );
      for (const raw of page.body.items) {
        const obj = this.opts.transform(raw);
        if (obj) seen.set(obj.metadata.name, obj);
      }
      cont = page.body.metadata.continue ?? "";
      rv = page.body.metadata.resourceVersion;
    } while (cont);
    for (const name of [...this.store.keys()]) if (!seen.has(name)) this.remove(name);
    this.tombstones.clear();
    for (const obj of seen.values()) {
      const prev = this.store.get(obj.metadata.name);
      if (prev?.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.store.set(obj.metadata.name, obj);
      this.opts.onChange("upsert", obj, prev);
    }
    this.resourceVersion = rv;
  }

  private async watchLoop(): Promise<void> {
    const backoff = this.opts.backoffMs ?? { initial: 500, max: 30_000 };
    let backoffMs = backoff.initial;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const current = (this.current = new AbortController());
      const stream = AbortSignal.any([signal, current.signal]);
      try {
        const path = this.query({
          watch: "1",
          allowWatchBookmarks: "true",
          resourceVersion: this.resourceVersion,
          timeoutSeconds: String(this.opts.watchTimeoutSeconds ?? 300),
        });
        for await (const ev of this.opts.client.watch(path, stream)) {
          if (current.signal.aborted) break;
          backoffMs = backoff.initial;
          if (ev.type === "ERROR") {
            const code = (ev.object as { code?: number })?.code;
            throw new KubeApiError("watch", this.opts.path, code ?? 500, ev.object);
          }
          const rv = ev.object?.metadata?.resourceVersion as string | undefined;
          if (ev.type === "BOOKMARK") {
            if (rv) this.resourceVersion = rv;
            continue;
          }
          if (ev.type === "DELETED") this.remove(ev.object.metadata.name);
          else {
            const obj = this.opts.transform(ev.object);
            if (obj) this.upsert(obj);
            // An object that no longer passes the filter (e.g. an event we don't keep) is dropped.
            else if (ev.object?.metadata?.name) this.remove(ev.object.metadata.name);
          }
          if (rv) this.resourceVersion = rv;
        }
      } catch (e) {
        if (signal.aborted) return;
        if (current.signal.aborted) continue;
        const gone = e instanceof KubeApiError && e.status === 410;
        if (!gone) {
          this.opts.logger.warn({ err: e instanceof Error ? e.message : String(e), path: this.opts.path }, "watch failed; retrying");
          // Aborted by stop(): shutting down never waits out a backoff.
          await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
          backoffMs = Math.min(backoffMs * 2, backoff.max);
        }
        if (signal.aborted) return;
        // 410: our resourceVersion is too old. Otherwise the watch may have missed events: relist.
        try {
          this.relists++;
          await this.list();
        } catch (le) {
          if (signal.aborted) return;
          this.opts.logger.warn({ err: le instanceof Error ? le.message : String(le), path: this.opts.path }, "relist failed; retrying");
        }
      }
    }
  }
}
