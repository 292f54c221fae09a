/**
 * Finds what a crashed or failed create left behind and removes it. Every resync it lists, as
 * metadata only, the ConfigMaps, Services and NetworkPolicies labelled
 * `app.kubernetes.io/managed-by=openclaw-manager` with a user label; a user found there without a
 * Deployment and without a create in flight has a broken instance, and everything of it is deleted
 * by name (its Secrets too: the Manager may not read Secrets, so it never lists them; the create
 * applies Secrets only after these objects exist). PVCs are data and always stay.
 * A user whose newest listed object is younger than the grace time is left for a later pass: its
 * create may be in flight on another Manager (two pods overlap in a rolling update), which this
 * Manager's own "create in flight" set cannot know.
 */
import type { Logger } from "@clawbox/shared";
import { setTimeout as sleep } from "node:timers/promises";
import { MANAGED_BY, USER_LABEL } from "../../k8s/builders/labels.ts";
import { collectionPath, RESOURCES, type ResourceType } from "../../k8s/resources.ts";
import type { KubeClient } from "../../k8s/client.ts";

export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY},${USER_LABEL}`;
/** Lists answered as PartialObjectMetadataList: names and labels, never data. */
const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const LISTED: ResourceType[] = [RESOURCES.ConfigMap, RESOURCES.Service, RESOURCES.NetworkPolicy];

export interface ReconcilerOptions {
  client: KubeClient;
  namespace: string;
  /** Time between passes; 0 = off. */
  intervalMs: number;
  /** A user's objects must all be at least this old to count as left behind. */
  graceMs: number;
  logger: Logger;
  /** Removes a user's objects (not the PVC) unless the user has an instance or a create in flight; true if it did. */
  removeOrphan: (userId: string) => Promise<boolean>;
}

export interface PassResult {
  users: number;
  removed: string[];
}

export class Reconciler {
  private readonly opts: ReconcilerOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private waiters: ((r: PassResult) => void)[] = [];
  passes = 0;

  constructor(opts: ReconcilerOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.opts.intervalMs <= 0 || this.loop) return;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** Resolves after the next pass that starts after this call (tests: "within one resync"). */
  nextPass(): Promise<PassResult> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await sleep(this.opts.intervalMs, undefined, { signal });
      } catch {
        return;
      }
      const waiting = this.waiters;
      this.waiters = [];
      let result: PassResult = { users: 0, removed: [] };
      try {
        result = await this.pass(signal);
      } catch (e) {
        if (signal.aborted) return;
        this.opts.logger.warn({ err: (e as Error)?.message }, "reconcile pass failed; next resync retries");
      }
      this.passes++;
      for (const w of waiting) w(result);
    }
  }

  /** One pass: users seen on listed objects, minus complete ones and young ones, are removed. */
  async pass(signal?: AbortSignal): Promise<PassResult> {
    const newest = new Map<string, number>();
    for (const r of LISTED) {
      for (const [u, created] of await this.usersOn(r, signal)) newest.set(u, Math.max(created, newest.get(u) ?? 0));
    }
    const removed: string[] = [];
    const settledBefore = Date.now() - this.opts.graceMs;
    for (const userId of [...newest.keys()].sort()) {
      if (signal?.aborted) break;
      if (newest.get(userId)! > settledBefore) continue;
      try {
        if (await this.opts.removeOrphan(userId)) removed.push(userId);
      } catch (e) {
        this.opts.logger.warn({ userId, err: (e as Error)?.message }, "orphan removal failed; next resync retries");
      }
    }
    if (removed.length > 0) this.opts.logger.info({ removed }, "removed objects of incomplete instances (PVCs kept)");
    return { users: newest.size, removed };
  }

  /** Users on one kind of listed object, each with its newest object's creation time (ms). */
  private async usersOn(r: ResourceType, signal?: AbortSignal): Promise<Map<string, number>> {
    const users = new Map<string, number>();
    let cont = "";
    do {
      const q = new URLSearchParams({ labelSelector: MANAGED_SELECTOR, limit: "500", ...(cont ? { continue: cont } : {}) });
      const page = await this.opts.client.request<{
        metadata?: { continue?: string };
        items: { metadata?: { labels?: Record<string, string>; creationTimestamp?: string } }[];
      }>("list", "GET", `${collectionPath(r, this.opts.namespace)}?${q}`, { accept: METADATA_ONLY, signal });
      for (const item of page.body.items ?? []) {
        const u = item.metadata?.labels?.[USER_LABEL];
        // The API server always sets creationTimestamp; without one, nothing says it is young.
        const created = Date.parse(item.metadata?.creationTimestamp ?? "") || 0;
        if (u) users.set(u, Math.max(created, users.get(u) ?? 0));
      }
      cont = page.body.metadata?.continue ?? "";
    } while (cont);
    return users;
  }
}
