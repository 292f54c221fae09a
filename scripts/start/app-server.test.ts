import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppServer } from "./app-server.ts";

// A real upstream HTTP server (stands in for the App API) and the real app server in front of it.
let upstream: Server;
let app: Server;
let base: string;
let dist: string;
const seen: { method?: string; url?: string; xff?: string }[] = [];

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), "clawbox-dist-"));
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><div id=root></div>" + " ".repeat(2000));
  writeFileSync(join(dist, "assets", "index-abc.js"), "console.log('app');" + "/*pad*/".repeat(400));
  upstream = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, xff: String(req.headers["x-forwarded-for"]) });
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, url: req.url }));
  });
  upstream.on("upgrade", (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`);
    socket.on("data", (d) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
    socket.on("end", () => socket.destroy());
    socket.on("error", () => socket.destroy());
  });
  const upPort = await listen(upstream);
  app = createAppServer({ distDir: dist, apiUrl: `http://127.0.0.1:${upPort}`, config: { apiBase: "/api", googleClientId: null } });
  base = `http://127.0.0.1:${await listen(app)}`;
});

afterAll(async () => {
  app.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => app.close(r));
  await new Promise((r) => upstream.close(r));
  rmSync(dist, { recursive: true, force: true });
});

describe("app server", () => {
  it("proxies /api/* to the App API with the prefix stripped", async () => {
    // A client-supplied X-Forwarded-For is dropped: the proxy is the edge and names the peer itself.
    const res = await fetch(`${base}/api/auth/signup?x=1`, { method: "POST", body: "{}", headers: { "x-forwarded-for": "10.9.8.7" } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ok: true, url: "/auth/signup?x=1" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/auth/signup?x=1", xff: "127.0.0.1" });
  });

  it("serves /config.json, uncached", async () => {
    const res = await fetch(`${base}/config.json`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ apiBase: "/api", googleClientId: null });
  });

  it("serves the SPA shell for deep links and hashed assets as immutable, gzipped", async () => {
    const deep = await fetch(`${base}/dashboard`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id=root>');
    const raw = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve) => {
      import("node:http").then(({ get }) =>
        get(`${base}/assets/index-abc.js`, { headers: { "accept-encoding": "gzip" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }),
      );
    });
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(raw.headers["cache-control"]).toContain("immutable");
    expect(gunzipSync(raw.body).toString()).toContain("console.log('app')");
  });

  it("does not serve files outside the build directory", async () => {
    const res = await fetch(`${base}/..%2f..%2fetc%2fpasswd`);
    expect(await res.text()).toContain('<div id=root>'); // falls back to the shell, never the file
  });

  it("pipes WebSocket upgrades under /api to the App API", async () => {
    const port = Number(new URL(base).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, "127.0.0.1", () => {
        sock.write("GET /api/instances/i1/vnc?ticket=t HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      });
      let data = "";
      sock.on("data", (d) => {
        data += d.toString();
        if (data.includes("\r\n\r\n") && !data.includes("echo:")) sock.write("ping");
        if (data.includes("echo:ping")) {
          sock.destroy();
          resolve(data);
        }
      });
      sock.on("error", reject);
    });
    expect(reply).toContain("101 Switching Protocols");
    expect(reply).toContain("X-Path: /instances/i1/vnc?ticket=t");
    expect(reply).toContain("echo:ping");
  });
});
