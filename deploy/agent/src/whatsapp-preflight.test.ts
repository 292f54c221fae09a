import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as egress from "../../../test/standins/egress-standin.ts";
import { bypassesProxy, whatsappReachable } from "./whatsapp-preflight.ts";

/** The preflight through a proxy, against the egress stand-in (refuses) and a proxy that grants tunnels. */
let refusing: egress.EgressStandin;
let granting: Server;
let grantingUrl = "";
const asked: string[] = [];

beforeAll(async () => {
  refusing = await egress.start();
  granting = createServer((s) =>
    s.once("data", (d) => {
      asked.push(d.toString("latin1").split("\r\n")[0]!);
      s.end("HTTP/1.1 200 Connection established\r\n\r\n");
    }),
  );
  await new Promise<void>((r) => granting.listen(0, "127.0.0.1", () => r()));
  grantingUrl = `http://127.0.0.1:${(granting.address() as { port: number }).port}`;
});
afterAll(async () => {
  await refusing.stop();
  await new Promise((r) => granting.close(r));
});

describe("the WhatsApp preflight through the gateway's proxy", () => {
  it("asks the proxy for a tunnel to WhatsApp Web and reports its refusal, resolving nothing itself", async () => {
    const r = await whatsappReachable({ proxy: refusing.url, noProxy: ["localhost", "127.0.0.1"] });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/proxy refused a tunnel to web\.whatsapp\.com:443 \(HTTP\/1\.1 403/) });
    expect(refusing.attempts).toContainEqual({ method: "CONNECT", target: "web.whatsapp.com:443", host: "web.whatsapp.com" });
  });

  it("is reachable when the proxy grants the tunnel", async () => {
    expect(await whatsappReachable({ proxy: grantingUrl })).toEqual({ ok: true });
    expect(asked).toEqual(["CONNECT web.whatsapp.com:443 HTTP/1.1"]);
  });

  it("says so when the proxy itself is down", async () => {
    const r = await whatsappReachable({ proxy: "http://127.0.0.1:1", timeoutMs: 2000 });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/ECONNREFUSED web\.whatsapp\.com:443 through the proxy 127\.0\.0\.1:1/) });
  });
});

describe("NO_PROXY", () => {
  it("matches exact hosts, domain suffixes and *", () => {
    expect(bypassesProxy("web.whatsapp.com", ["whatsapp.com"])).toBe(true);
    expect(bypassesProxy("web.whatsapp.com", [".whatsapp.com"])).toBe(true);
    expect(bypassesProxy("web.whatsapp.com", ["*"])).toBe(true);
    expect(bypassesProxy("web.whatsapp.com", ["localhost", "127.0.0.1", "app.com"])).toBe(false);
    expect(bypassesProxy("notwhatsapp.com", ["whatsapp.com"])).toBe(false);
  });
});
