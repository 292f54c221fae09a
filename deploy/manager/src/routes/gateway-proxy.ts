import { badRequest } from "@clawbox/shared";
import type { InstanceGateway } from "../services/gateway-rpc.ts";
import { objectBody, optionalInt } from "../gateway/validate.ts";

/**
 * `POST /api/instances/:userId/rpc {method, params, timeoutMs?}`: any gateway method, with the
 * guide's two examples mapped to what the gateway really has:
 *   channel.status {channelId}  -> channels.status {channel}
 *   browser.screenshot          -> the agent's screenshot -> {mimeType:"image/png", dataBase64}
 */
const METHOD_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;

export async function rpcCall(gw: InstanceGateway, userId: string, rawBody: unknown): Promise<unknown> {
  const body = objectBody(rawBody);
  const method = body.method;
  if (typeof method !== "string" || method.length === 0) throw badRequest("method", "required", "method is required (a gateway RPC method name, e.g. \"status\")");
  if (!METHOD_PATTERN.test(method)) throw badRequest("method", "method-name", "method must be a gateway method name: letters, digits, '.', '_' or '-', at most 128 characters");
  const params = body.params;
  if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params))) {
    throw badRequest("params", "json-object", "params must be a JSON object");
  }
  const timeoutMs = optionalInt(body, "timeoutMs", 1, 15 * 60_000);
  const p = (params ?? {}) as Record<string, unknown>;

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
