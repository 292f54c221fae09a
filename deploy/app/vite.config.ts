import { defineConfig } from "vite";
import { iconsPlugin } from "./build/icons.ts";

// Dev server (`npm run dev -w @clawbox/app`) proxies /api to the App API like scripts/start.ts does.
const apiTarget = process.env.CLAWBOX_API_URL ?? `http://127.0.0.1:${process.env.CLAWBOX_API_PORT ?? 4000}`;

export default defineConfig({
  root: import.meta.dirname,
  plugins: [iconsPlugin()],
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // noVNC uses top-level await.
    target: "es2022",
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": { target: apiTarget, ws: true, rewrite: (p) => p.replace(/^\/api/, "") },
    },
  },
});
