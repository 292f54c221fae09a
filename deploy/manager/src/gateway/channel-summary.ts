import type { ChannelStatus } from "@clawbox/shared/contract/index";

/**
 * `channels.status {channel}` -> a short, clear summary of one channel for the app
 * (the full answer lists every account with ~20 fields).
 */
type Obj = Record<string, unknown>;

export function summarizeChannel(channel: string, status: Obj): ChannelStatus {
  const ch = ((status.channels as Obj | undefined)?.[channel] ?? null) as Obj | null;
  const accounts = (((status.channelAccounts as Obj | undefined)?.[channel] ?? []) as Obj[]).map((a) => ({
    accountId: String(a.accountId ?? "default"),
    enabled: a.enabled as boolean | undefined,
    configured: a.configured as boolean | undefined,
    running: a.running as boolean | undefined,
    connected: a.connected as boolean | undefined,
    linked: a.linked as boolean | undefined,
    lastError: (a.lastError as string | null | undefined) ?? null,
    state: (a.stateReason ?? a.healthState) as string | undefined,
  }));
  const issues = ((status.statusIssues ?? []) as Obj[])
    .filter((i) => i.channel === channel)
    .map((i) => [i.message, i.fix].filter(Boolean).join(" "));
  const summary: ChannelStatus = {
    channel,
    available: ch !== null,
    configured: Boolean(ch?.configured) || accounts.some((a) => a.configured),
    running: Boolean(ch?.running),
    connected: Boolean(ch?.connected) || accounts.some((a) => a.connected),
    lastError: (ch?.lastError as string | null | undefined) ?? null,
    accounts,
    issues,
  };
  if (ch && "linked" in ch) summary.linked = Boolean(ch.linked);
  const state = (ch?.statusState ?? ch?.healthState) as string | undefined;
  if (state) summary.state = state;
  if (ch && "probe" in ch) summary.probe = ch.probe;
  return summary;
}

/**
 * channels.status {channel} for a channel the gateway has not loaded (Telegram before any setup)
 * answers INVALID_REQUEST "unknown channel: <id>": that is a status ("not configured"), not a failure.
 */
export async function channelStatusOrUnknown(channel: string, fetchStatus: () => Promise<Record<string, unknown>>): Promise<ChannelStatus> {
  try {
    return summarizeChannel(channel, await fetchStatus());
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "INVALID_REQUEST" && /unknown channel/i.test(err.message ?? "")) return summarizeChannel(channel, {});
    throw e;
  }
}
