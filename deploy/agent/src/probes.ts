import { request } from "node:http";

/**
 * Relays a probe verbatim (status and body) to the gateway's own unauthenticated probe
 * endpoint over loopback. The gateway answers 200 for unknown paths (Control UI catch-all),
 * so only its real probe paths are relayed. An unreachable gateway is a 503 with a JSON body.
 */
export const PROBE_PATHS: Record<string, string> = { "/gateway/startupz": "/startupz", "/gateway/healthz": "/healthz" };

export function relayProbe(gatewayHttpBase: URL, path: string, timeoutMs = 3000): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: gatewayHttpBase.hostname,
        port: gatewayHttpBase.port,
        path,
        method: "GET",
        headers: { host: gatewayHttpBase.host },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks), type: String(res.headers["content-type"] ?? "application/json") }),
        );
        res.on("error", () => resolve(unreachable("response aborted")));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(unreachable(e.code ?? e.message)));
    req.end();
  });
}

function unreachable(reason: string) {
  return {
    status: 503,
    body: Buffer.from(JSON.stringify({ ok: false, status: "unreachable", error: `gateway unreachable: ${reason}` })),
    type: "application/json",
  };
}
