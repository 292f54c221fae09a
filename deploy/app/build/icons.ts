import type { Plugin } from "vite";
import { encodePng } from "./png.ts";

/**
 * The app icon (same design as public/icon.svg: three claw marks on a dark tile), drawn in
 * code and emitted as PNGs at build time, so the repository holds no binary images.
 */
type Rgb = [number, number, number];
const BG: Rgb = [0x0b, 0x0d, 0x10];
const TILE: Rgb = [0x14, 0x18, 0x1d];
const MARK: Rgb = [0x7c, 0xf0, 0xc5];

/** Color at (x, y) in a 512-unit design space, or null for transparent. */
function sample(x: number, y: number, maskable: boolean): Rgb | null {
  if (!maskable && !insideRoundRect(x, y, 0, 0, 512, 512, 112)) return null;
  for (const x0 of [176, 256, 336]) {
    const top = x0 === 256 ? 130 : 150;
    const bottom = 512 - top;
    const cy = Math.min(bottom, Math.max(top, y));
    const t = (cy - 256) / (bottom - 256);
    const cx = x0 - 26 * (1 - t * t);
    if (Math.hypot(x - cx, y - cy) <= 18) return MARK;
  }
  const inset = maskable ? 80 : 40;
  if (insideRoundRect(x, y, inset, inset, 512 - 2 * inset, 512 - 2 * inset, 88)) return TILE;
  return BG;
}

function insideRoundRect(x: number, y: number, left: number, top: number, w: number, h: number, r: number): boolean {
  if (x < left || y < top || x > left + w || y > top + h) return false;
  const dx = Math.max(left + r - x, 0, x - (left + w - r));
  const dy = Math.max(top + r - y, 0, y - (top + h - r));
  return dx * dx + dy * dy <= r * r;
}

export function renderIcon(size: number, maskable = false): Buffer {
  const px = new Uint8Array(size * size * 4);
  const scale = 512 / size;
  const offsets = [0.25, 0.75];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (const oy of offsets) {
        for (const ox of offsets) {
          const c = sample((x + ox) * scale, (y + oy) * scale, maskable);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) px.set([r / a, g / a, b / a, (a / 4) * 255], i);
    }
  }
  return encodePng(size, size, px);
}

export function iconsPlugin(): Plugin {
  const files: Record<string, () => Buffer> = {
    "icons/icon-192.png": () => renderIcon(192),
    "icons/icon-512.png": () => renderIcon(512),
    "icons/icon-maskable-512.png": () => renderIcon(512, true),
  };
  return {
    name: "clawbox-icons",
    // dev server: serve them from memory
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const make = files[(req.url ?? "").replace(/^\//, "")];
        if (!make) return next();
        res.setHeader("content-type", "image/png");
        res.end(make());
      });
    },
    generateBundle() {
      for (const [fileName, make] of Object.entries(files)) this.emitFile({ type: "asset", fileName, source: make() });
    },
  };
}
