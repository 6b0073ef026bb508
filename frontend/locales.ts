// The console's messages come from the same catalogues as Herald's public pages and emails
// (src/herald/kit/locales/<lang>.json plus the area files locales/<area>/<lang>.json). At build
// time this plugin serves the "console.*" keys of every language as the virtual module
// "virtual:herald-locales".
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Plugin } from "vite";

export const LANGUAGES = ["en", "sv", "fr", "es"] as const;
const ID = "virtual:herald-locales";
const RESOLVED = "\0" + ID;

/** Every file that holds one language's messages: the main file first, then each area's. */
export function catalogueFiles(dir: string, lang: string): string[] {
  const areas = readdirSync(dir)
    .filter((name) => statSync(resolve(dir, name)).isDirectory())
    .sort();
  return [
    resolve(dir, `${lang}.json`),
    ...areas.map((area) => resolve(dir, area, `${lang}.json`)).filter((f) => existsSync(f)),
  ];
}

export function loadConsoleMessages(dir: string, onFile?: (file: string) => void) {
  const out: Record<string, Record<string, string>> = {};
  for (const lang of LANGUAGES) {
    const messages: Record<string, string> = {};
    for (const file of catalogueFiles(dir, lang)) {
      onFile?.(file);
      const all = JSON.parse(readFileSync(file, "utf-8")) as Record<string, string>;
      for (const [key, value] of Object.entries(all)) {
        if (key in messages) throw new Error(`${file} redefines ${key}`);
        if (key.startsWith("console.") || key === "app.name") messages[key] = value;
      }
    }
    out[lang] = messages;
  }
  return out;
}

export function heraldLocales(dir: string): Plugin {
  return {
    name: "herald-locales",
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      const out = loadConsoleMessages(dir, (file) => this.addWatchFile(file));
      return `export default ${JSON.stringify(out)};`;
    },
  };
}
