/**
 * Gateway RPC methods an app user may call through POST /instances/:id/rpc: reads only.
 * Everything that writes config (config.*), installs or toggles plugins (plugins.*), runs
 * commands (exec.*), manages secrets, devices or the gateway itself is refused with 403.
 * `channel.status` and `browser.screenshot` are the guide's names; the Manager maps them.
 */
export const USER_RPC_ALLOWLIST: ReadonlySet<string> = new Set([
  "status",
  "health",
  "channels.status",
  "channel.status",
  "browser.screenshot",
  "chat.history",
  "sessions.list",
  "models.list",
  "commands.list",
  "agent.identity.get",
  "last-heartbeat",
]);

/** The longest RPC an app user may ask for (the Manager's own cap is RPC_TIMEOUT_MAX_MS). */
export const USER_RPC_TIMEOUT_MAX_MS = 120_000;

export const isUserRpcAllowed = (method: string) => USER_RPC_ALLOWLIST.has(method);
