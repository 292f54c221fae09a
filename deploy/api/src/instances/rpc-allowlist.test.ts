import { describe, expect, it } from "vitest";
import { isUserRpcAllowed } from "./rpc-allowlist.ts";

describe("user RPC allowlist", () => {
  it.each(["status", "health", "channels.status", "channel.status", "browser.screenshot", "chat.history"])("allows %s", (m) => {
    expect(isUserRpcAllowed(m)).toBe(true);
  });
  it.each(["config.patch", "config.apply", "config.get", "plugins.install", "plugins.setEnabled", "exec.approvals.set", "secrets.store.set", "channels.logout", "gateway.restart.request", "browser.request", "STATUS", ""])(
    "refuses %j",
    (m) => {
      expect(isUserRpcAllowed(m)).toBe(false);
    },
  );
});
