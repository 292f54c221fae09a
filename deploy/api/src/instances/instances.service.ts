import { Inject, Injectable } from "@nestjs/common";
import { badRequest, HttpError, type InstanceDeleted, type InstanceStatus, type InstanceView, type VncTicket, type Logger, notFound, signVncTicket, type SleepSettings } from "@clawbox/shared";
import type { ApiConfig } from "../config.ts";
import type { InstanceRow } from "../db/schema.ts";
import { CONFIG, LOGGER } from "../common/tokens.ts";
import { ManagerClient, type ManagerCall } from "../manager/manager.client.ts";
import { managerUserIdFor } from "../manager/manager-user-id.ts";
import { ModelSettingsService } from "../model/model-settings.service.ts";
import { OpenRouterKeysService } from "../openrouter/openrouter-keys.service.ts";
import { SubscriptionsService } from "../subscriptions/subscriptions.service.ts";
import { InstancesRepository } from "./instances.repository.ts";
import { isUserRpcAllowed, USER_RPC_TIMEOUT_MAX_MS } from "./rpc-allowlist.ts";

const VNC_TICKET_TTL_SECONDS = 60;

/** App view of an instance: our id and creation time, then the Manager's status unchanged. */
function view(row: InstanceRow, status: InstanceStatus | null): InstanceView {
  if (!status) return { id: row.id, createdAt: row.createdAt.toISOString(), phase: "unknown", ready: false, pods: [] };
  const { userId: _managerUserId, createdAt: _managerCreatedAt, ...rest } = status;
  return { id: row.id, createdAt: row.createdAt.toISOString(), ...rest };
}

@Injectable()
export class InstancesService {
  constructor(
    @Inject(CONFIG) private readonly config: ApiConfig,
    private readonly instances: InstancesRepository,
    private readonly manager: ManagerClient,
    private readonly subscriptions: SubscriptionsService,
    private readonly models: ModelSettingsService,
    private readonly openrouterKeys: OpenRouterKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Only the owner ever gets a row back; another user's id is indistinguishable from none. */
  async owned(ownerId: string, id: string): Promise<InstanceRow> {
    const row = await this.instances.findOwned(ownerId, id);
    if (!row) throw notFound("Instance not found");
    return row;
  }

  async list(ownerId: string): Promise<InstanceView[]> {
    const rows = await this.instances.listByOwner(ownerId);
    return Promise.all(rows.map(async (r) => view(r, await this.manager.get(r.managerUserId))));
  }

  async get(ownerId: string, id: string): Promise<InstanceView> {
    const row = await this.owned(ownerId, id);
    return view(row, await this.manager.get(row.managerUserId));
  }

  /**
   * Entitlement -> limit (row inserted once, in a transaction) -> OpenRouter key -> Manager.
   * All or nothing: if anything after the insert fails, the row goes again, the Manager is asked
   * to delete what it may have applied (data kept; it may have acted before failing, e.g. on a
   * 503 or a timeout), and a key this create made or switched on is switched off again, so a
   * failed create leaves no usable key behind. A retry starts clean; the Manager's create is
   * idempotent, so it never makes a second instance there either.
   */
  async create(ownerId: string): Promise<InstanceView> {
    await this.subscriptions.assertEntitled(ownerId);
    const managerUserId = managerUserIdFor(ownerId);
    const inserted = await this.instances.insertUnderLimit(ownerId, managerUserId, this.config.maxInstancesPerUser);
    if ("existing" in inserted) {
      throw new HttpError(409, `Instance limit reached (${this.config.maxInstancesPerUser} per account)`, {
        code: "instance_limit",
        details: { limit: this.config.maxInstancesPerUser, instanceIds: inserted.existing.map((r) => r.id) },
      });
    }
    const row = inserted.row;
    let keyWasActive = true;
    let managerCalled = false;
    try {
      keyWasActive = await this.openrouterKeys.isActive(ownerId);
      const model = await this.models.effective(ownerId, managerUserId);
      managerCalled = true;
      const status = await this.manager.create(managerUserId, {}, model?.settings);
      this.logger.info({ userId: ownerId, instanceId: row.id, managerUserId, modelSource: model?.source ?? null }, "instance created");
      return view(row, status);
    } catch (e) {
      await this.rollBack(ownerId, row, { managerCalled, keyWasActive });
      this.logger.warn({ userId: ownerId, instanceId: row.id, status: (e as HttpError).status }, "instance create failed, rolled back");
      throw e;
    }
  }

  /** Undoes a failed create; each step is attempted even if one before it fails. */
  private async rollBack(ownerId: string, row: InstanceRow, done: { managerCalled: boolean; keyWasActive: boolean }): Promise<void> {
    const log = this.logger.child({ userId: ownerId, instanceId: row.id });
    await this.instances.delete(row.id).catch((e) => log.error({ err: (e as Error)?.message }, "rollback: row delete failed"));
    // Another instance of the owner shares the Manager userId: its objects are not ours to delete.
    const shared = (await this.instances.listByOwner(ownerId).catch(() => [])).some((r) => r.managerUserId === row.managerUserId);
    if (done.managerCalled && !shared) {
      // Unreachable Manager: its reconciler removes whatever it applied at its next resync.
      await this.manager.delete(row.managerUserId, true).catch((e) => log.warn({ err: (e as Error)?.message }, "rollback: manager delete failed"));
    }
    if (!done.keyWasActive) {
      await this.openrouterKeys.disable(ownerId, "instance create failed").catch((e) => log.error({ err: (e as Error)?.message }, "rollback: openrouter key disable failed"));
    }
  }

  /** A restart at the Manager that keeps the instance (same id), its data and its channels. */
  async restart(ownerId: string, id: string): Promise<InstanceView> {
    const row = await this.owned(ownerId, id);
    const status = await this.manager.restart(row.managerUserId);
    if (!status) throw notFound("Instance not found");
    this.logger.info({ userId: ownerId, instanceId: row.id }, "instance restarted");
    return view(row, status);
  }

  /** After a model change: every instance of the owner restarts with the model now in effect. */
  async applyModel(ownerId: string): Promise<void> {
    const rows = await this.instances.listByOwner(ownerId);
    if (rows.length === 0) return;
    const model = await this.models.effective(ownerId, rows[0]!.managerUserId);
    for (const row of rows) await this.manager.setModel(row.managerUserId, model?.settings ?? null);
  }

  async delete(ownerId: string, id: string, preservePvc: boolean): Promise<InstanceDeleted> {
    const row = await this.owned(ownerId, id);
    const result = await this.manager.delete(row.managerUserId, preservePvc);
    await this.instances.delete(row.id);
    this.logger.info({ userId: ownerId, instanceId: row.id, preservePvc }, "instance deleted");
    return { id: row.id, deleted: true, pvcPreserved: result ? preservePvc : false };
  }

  /** Deletes every instance of the owner at the Manager, data included (account deletion). */
  async purgeAll(ownerId: string): Promise<void> {
    for (const row of await this.instances.listByOwner(ownerId)) {
      await this.manager.delete(row.managerUserId, false);
      await this.instances.delete(row.id);
    }
  }

  /** The user's WhatsApp opt-in, as the instance's sleep policy at the Manager. */
  async setSleepSettings(ownerId: string, id: string, settings: SleepSettings): Promise<InstanceView> {
    const row = await this.owned(ownerId, id);
    const status = await this.manager.call<InstanceStatus>(row.managerUserId, { method: "PUT", path: "/sleep-policy", body: { sleepWithWhatsApp: settings.sleepWithWhatsApp } });
    return view(row, status);
  }

  async passThrough<T = unknown>(ownerId: string, id: string, call: ManagerCall): Promise<T> {
    const row = await this.owned(ownerId, id);
    return this.manager.call<T>(row.managerUserId, call);
  }

  async rpc(ownerId: string, id: string, method: string, params?: Record<string, unknown>, timeoutMs?: number) {
    if (!isUserRpcAllowed(method)) {
      throw new HttpError(403, `RPC method "${method}" is not allowed for app users`, {
        code: "rpc_method_forbidden",
        field: "method",
        rule: "allowlist",
      });
    }
    if (timeoutMs !== undefined && timeoutMs > USER_RPC_TIMEOUT_MAX_MS) {
      throw badRequest("timeoutMs", "maximum", `timeoutMs must be at most ${USER_RPC_TIMEOUT_MAX_MS}`);
    }
    return this.passThrough(ownerId, id, {
      method: "POST",
      path: "/rpc",
      body: { method, ...(params ? { params } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
      timeoutMs: (timeoutMs ?? this.config.managerTimeoutMs) + 5000,
    });
  }

  async vncTicket(ownerId: string, id: string): Promise<VncTicket> {
    const row = await this.owned(ownerId, id);
    // Bound to this instance, its Manager userId and the user it is issued to; single use.
    const ticket = signVncTicket(this.config.managerApiKey, { userId: row.managerUserId, instanceId: row.id, subject: ownerId }, VNC_TICKET_TTL_SECONDS);
    return {
      ticket,
      path: `/instances/${row.id}/vnc?ticket=${encodeURIComponent(ticket)}`,
      expiresAt: new Date(Date.now() + VNC_TICKET_TTL_SECONDS * 1000).toISOString(),
    };
  }
}
