import type { RpcCall } from "@clawbox/shared/contract/index";
import type { InstanceGateway } from "../gateway/instance-gateway.ts";

/**
 * `POST /api/instances/:userId/rpc {method, params, timeoutMs?}`: any gateway method, with the
 * guide's two examples mapped to what the gateway really has:
 *   channel.status {channelId}  -> channels.status {channel}
 *   browser.screenshot          -> the agent's screenshot -> {mimeType:"image/png", dataBase64}
 */
/** Input checked by the route's schema (RpcCallSchema). */
export async function rpcCall(gw: InstanceGateway, userId: string, { method, params, timeoutMs }: RpcCall): Promise<unknown> {
  const p: Record<string, unknown> = params ?? {};

  if (method === "browser.screenshot") {
    const png = await gw.screenshot(userId);
    return { mimeType: "image/png", dataBase64: png.toString("base64") };
  }
  if (method === "channel.status") {
    const { channelId, ...rest } = p;
    const mapped = channelId === undefined ? rest : { ...rest, channel: channelId };
    return gw.call(userId, "channels.status", mapped, timeoutMs);
  }
  return gw.call(userId, method, params, timeoutMs);
}
