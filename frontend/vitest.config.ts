// Unit tests for the console's components (Vitest + Testing Library in jsdom). The catalogue
// plugin is the build's own, so components render with their real messages.
import react from "@vitejs/plugin-react";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { heraldLocales } from "./locales";

export default defineConfig({
  plugins: [react(), heraldLocales(resolve(__dirname, "..", "src", "herald", "kit", "locales"))],
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
