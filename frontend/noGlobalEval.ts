// Vite plugin: the browser builds of mjml-browser and grapesjs-mjml (the visual template editor)
// look the global object up with `new Function("return this")()` when `this` is undefined,
// which Herald's CSP (no 'unsafe-eval') reports as a violation. `globalThis` is the same
// object without eval; nothing else in those files changes.
import type { Plugin } from "vite";

const TARGETS = [/[\\/]mjml-browser[\\/]lib[\\/]index\.js$/, /[\\/]grapesjs-mjml[\\/]dist[\\/]index\.js$/];
const GLOBAL_EVAL = 'new Function("return this")()';

export function noGlobalEval(): Plugin {
  return {
    name: "herald-no-global-eval",
    enforce: "pre",
    transform(code, id) {
      if (!TARGETS.some((t) => t.test(id))) return null;
      if (!code.includes(GLOBAL_EVAL)) this.error(`${id}: expected ${GLOBAL_EVAL} (the package changed; check the CSP)`);
      return { code: code.split(GLOBAL_EVAL).join("globalThis"), map: null };
    },
  };
}
