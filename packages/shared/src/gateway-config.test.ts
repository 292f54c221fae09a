import { describe, expect, it } from "vitest";
import { buildGatewayConfig } from "./gateway-config.ts";

describe("buildGatewayConfig", () => {
  it("binds loopback with token auth and logs to the given file", () => {
    const c = buildGatewayConfig({ port: 18789, logFile: "/home/node/.openclaw/logs/gateway.log" });
    expect(c.gateway).toEqual({ mode: "local", bind: "loopback", port: 18789, auth: { mode: "token" } });
    expect(c.logging.file).toBe("/home/node/.openclaw/logs/gateway.log");
    // Off until the user first asks for a WhatsApp QR code (the Manager turns it on then).
    expect(c.plugins.entries.whatsapp.enabled).toBe(false);
  });
  it("runs a headed Chromium with its sandbox by default, sized for the VNC view", () => {
    const c = buildGatewayConfig({ port: 1, logFile: "/x" });
    expect(c.browser).toMatchObject({ enabled: true, headless: false, noSandbox: false, executablePath: "/usr/bin/chromium" });
    expect(c.browser.extraArgs).toContain("--window-size=1280,800");
  });
  it("takes browser overrides and never carries a token", () => {
    const c = buildGatewayConfig({ port: 2, logFile: "/y", browser: { headless: true, noSandbox: true, windowSize: { width: 800, height: 600 } }, whatsapp: true });
    expect(c.browser.headless).toBe(true);
    expect(c.browser.noSandbox).toBe(true);
    expect(c.browser.extraArgs).toContain("--window-size=800,600");
    expect(c.plugins.entries.whatsapp.enabled).toBe(true);
    expect(JSON.stringify(c)).not.toMatch(/token"\s*:\s*"/);
  });
});
