// mrml's WebAssembly build (the engine Herald renders with on the server), loaded once. Vite
// bundles the .wasm file as an asset of the console; nothing is fetched from elsewhere.
import init, { Engine } from "mrml/web/mrml_wasm.js";
import wasmUrl from "mrml/web/mrml_wasm_bg.wasm?url";
import type { MrmlResult } from "./preview";

let engine: Promise<Engine> | null = null;

function load(): Promise<Engine> {
  engine ??= init({ module_or_path: wasmUrl }).then(() => {
    const e = new Engine();
    // As on the server: no includes, no web fonts (mrml would otherwise link Google Fonts).
    e.setParserOptions({ includeLoader: { type: "noop" } });
    e.setRenderOptions({ disableComments: false, socialIconOrigin: null, fonts: {} });
    return e;
  });
  engine.catch(() => {
    engine = null;
  });
  return engine;
}

/** MJML → HTML with the same engine and options as the server. */
export async function mrmlToHtml(source: string): Promise<MrmlResult> {
  const e = await load();
  return e.toHtml(source) as MrmlResult;
}
