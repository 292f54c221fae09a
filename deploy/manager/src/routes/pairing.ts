import { HttpError, notFound, type PairingRequest } from "@clawbox/shared";
import type { PairingApprove, PairingApproveResult, PairingList, PairingListQuery } from "@clawbox/shared/contract/index";
import type { InstanceGateway } from "../gateway/instance-gateway.ts";

/**
 * DM pairing (someone messaged the bot; the owner approves them by code). `code` is the gateway's
 * opaque request id: the 8-character code the sender is shown never leaves the gateway's RPC
 * (only its CLI approves by that code), so the owner picks the request by sender, not by code.
 *   GET  pairing/list[?channel=telegram][&accountId=]  -> channels.pairing.list
 *        => {channel|null, requests:[{code, senderId, senderName, senderLabel, createdAt, expiresAt, accountId}]}
 *        (no channel: every channel's requests; a channel the instance has not set up: none)
 *   POST pairing/approve {channel, code, notify?, accountId?} -> channels.pairing.approve
 *        {channel, accountId, requestId: code, notify}; accountId defaults to the request's own.
 * Shape documented in deploy/manager/DEPLOY.md ("Telegram / WhatsApp").
 */

type Obj = Record<string, unknown>;

const iso = (v: unknown): string | null => {
  if (typeof v === "number") return new Date(v).toISOString();
  if (typeof v === "string" && v) return v;
  return null;
};

/**
 * The gateway keeps who wrote in `metadata` ({firstName, lastName, username} for Telegram); its
 * own `senderLabel` is the name of the id field ("telegramUserId"), not the sender's.
 */
function sender(r: Obj): { senderName: string | null; senderLabel: string | null } {
  const meta = (r.metadata ?? r.meta ?? {}) as Obj;
  const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  const full = [text(meta.firstName), text(meta.lastName)].filter(Boolean).join(" ") || text(meta.name) || text(meta.displayName);
  const handle = text(meta.username) ? `@${text(meta.username)!.replace(/^@/, "")}` : undefined;
  const senderName = full ?? handle ?? null;
  const senderLabel = full && handle ? `${full} (${handle})` : (senderName ?? (r.senderId as string | undefined) ?? null);
  return { senderName, senderLabel };
}

function toView(r: Obj): PairingRequest {
  return {
    code: String(r.code ?? r.requestId ?? ""),
    senderId: (r.senderId as string | undefined) ?? null,
    ...sender(r),
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    accountId: String(r.accountId ?? "default"),
  };
}

/**
 * The gateway refuses a channel whose plugin is not set up on this instance ("unknown pairing
 * channel") with INVALID_REQUEST: for the caller that simply means no pending requests, not a
 * gateway failure (and the gateway's internal message is not the caller's business).
 */
function channelNotSetUp(e: unknown): boolean {
  return e instanceof HttpError && e.status === 502 && e.code === "INVALID_REQUEST";
}

async function listRaw(gw: InstanceGateway, userId: string, channel: string | undefined, accountId?: string) {
  let r: { requests?: Obj[] } | undefined;
  try {
    r = await gw.call<{ requests?: Obj[] }>(userId, "channels.pairing.list", { ...(channel ? { channel } : {}), ...(accountId ? { accountId } : {}) }, 15_000);
  } catch (e) {
    if (channel && channelNotSetUp(e)) return [];
    throw e;
  }
  return (r?.requests ?? []).filter((x) => !channel || !x.channel || x.channel === channel).map(toView);
}

/** Input checked by the route's schema (PairingListQuerySchema). */
export async function pairingList(gw: InstanceGateway, userId: string, { channel, accountId }: PairingListQuery): Promise<PairingList> {
  return { channel: channel ?? null, requests: await listRaw(gw, userId, channel, accountId) };
}

/** Input checked by the route's schema (PairingApproveSchema). */
export async function pairingApprove(gw: InstanceGateway, userId: string, body: PairingApprove): Promise<PairingApproveResult> {
  const { channel, code } = body;
  const notify = body.notify ?? false;
  let accountId = body.accountId;
  if (accountId === undefined) {
    const match = (await listRaw(gw, userId, channel)).find((r) => r.code.toUpperCase() === code.toUpperCase());
    if (!match) throw notFound(`no pending ${channel} pairing request with code ${code}`);
    accountId = match.accountId;
  }
  const r = await gw.call<Obj>(userId, "channels.pairing.approve", { channel, accountId, requestId: code, notify }, 30_000);
  return { approved: true, channel, code, accountId, senderId: (r?.senderId as string | undefined) ?? null, notified: notify };
}
