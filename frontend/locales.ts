// The console's messages come from the same catalogues as Herald's public pages and emails
// (src/herald/kit/locales/<lang>.json). At build time this plugin serves the "console.*"
// keys of every language as the virtual module "virtual:herald-locales".
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Plugin } from "vite";

export const LANGUAGES = ["en", "sv", "fr", "es"] as const;
const ID = "virtual:herald-locales";
const RESOLVED = "\0" + ID;

export function heraldLocales(dir: string): Plugin {
  const files = LANGUAGES.map((lang) => resolve(dir, `${lang}.json`));
  return {
    name: "herald-locales",
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      const out: Record<string, Record<string, string>> = {};
      LANGUAGES.forEach((lang, i) => {
        const file = files[i]!;
        this.addWatchFile(file);
        const all = JSON.parse(readFileSync(file, "utf-8")) as Record<string, string>;
        out[lang] = Object.fromEntries(
          Object.entries(all).filter(([key]) => key.startsWith("console.") || key === "app.name"),
        );
      });
      return `export default ${JSON.stringify(out)};`;
    },
  };
}
