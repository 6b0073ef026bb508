import react from "@vitejs/plugin-react";
import { resolve } from "node:path";
import { defineConfig } from "vite";
import { heraldLocales } from "./locales";
import { noGlobalEval } from "./noGlobalEval";

// `npm run dev` serves the console on :5173 and forwards API calls to a Herald on :8000
// (HERALD_DEV_TARGET to change it). The Origin header is rewritten so Herald's sign-in
// same-origin check sees its own origin.
const target = process.env.HERALD_DEV_TARGET || "http://127.0.0.1:8000";
const proxy = {
  target,
  changeOrigin: true,
  configure: (p: { on: (event: string, fn: (req: { setHeader: (k: string, v: string) => void }) => void) => void }) =>
    p.on("proxyReq", (req) => req.setHeader("origin", target)),
};

export default defineConfig({
  base: "/console/",
  plugins: [react(), heraldLocales(resolve(__dirname, "..", "src", "herald", "kit", "locales")), noGlobalEval()],
  build: {
    outDir: resolve(__dirname, "..", "src", "herald", "web", "console_dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      "/console/api": proxy,
      "/sys": proxy,
      "/admin": proxy,
      "/openapi.json": proxy,
    },
  },
});
