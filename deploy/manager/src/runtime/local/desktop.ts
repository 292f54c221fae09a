import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Is the live browser view possible on this machine? Without these Debian packages the
 * instances still run (Chromium headless or no browser) and status says how to fix it.
 */
export const DESKTOP_INSTALL_HINT = "apt-get install -y xvfb x11vnc novnc websockify chromium";
const NEEDED: Array<[string, string]> = [
  ["Xvfb", "xvfb"],
  ["x11vnc", "x11vnc"],
  ["websockify", "websockify"],
  ["chromium", "chromium"],
];

export interface DesktopSupport {
  available: boolean;
  reason?: string;
  chromium?: string;
}

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export function detectDesktop(): DesktopSupport {
  const missing = NEEDED.filter(([bin]) => !which(bin)).map(([, pkg]) => pkg);
  if (!existsSync("/usr/share/novnc/vnc.html")) missing.push("novnc");
  const chromium = which("chromium");
  if (missing.length > 0) {
    return { available: false, reason: `live browser view unavailable: missing ${missing.join(", ")}; install with: ${DESKTOP_INSTALL_HINT}`, chromium };
  }
  return { available: true, chromium };
}
