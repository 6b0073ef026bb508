// MJML going into GrapesJS and coming back: keep what the visual editor does not model (the
// <mj-head> when it drops it), lay the result out readably for the code editor, and warn about
// merge-tag blocks placed between elements (GrapesJS keeps text, not template logic).

const HEAD = /<mj-head\b[\s\S]*?<\/mj-head\s*>/i;
const MJML_OPEN = /<mjml\b[^>]*>/i;

/** Elements whose content is HTML or CSS written by hand: laid out as they are. */
const VERBATIM = ["mj-text", "mj-button", "mj-raw", "mj-table", "mj-style", "mj-navbar-link", "mj-preview", "mj-title", "mj-accordion-text", "mj-accordion-title"];

/** GrapesJS's MJML, with the original <mj-head> put back if the export lost it, laid out. */
export function fromGrapes(exported: string, original: string): string {
  let out = exported
    .trim()
    .replace(/^<\?xml[^>]*>\s*/i, "")
    .replace(new RegExp(`\\s${WRITTEN}="[^"]*"`, "g"), "");
  const head = original.match(HEAD);
  if (head && !HEAD.test(out)) {
    const open = out.match(MJML_OPEN);
    if (open && open.index !== undefined) {
      const at = open.index + open[0].length;
      out = out.slice(0, at) + head[0] + out.slice(at);
    }
  }
  return formatMjml(out);
}

/** One MJML tag per line, indented by nesting; the content of text-like elements is kept
 * exactly as written (it is HTML a marketer wrote). */
export function formatMjml(source: string): string {
  const tag = /<(\/?)(mj[a-z-]*|mjml)\b[^>]*?(\/?)>/gi;
  const lines: string[] = [];
  let depth = 0;
  let last = 0;
  let verbatim: string | null = null;
  let verbatimStart = 0;
  let m: RegExpExecArray | null;
  const pad = () => "  ".repeat(Math.max(0, depth));
  while ((m = tag.exec(source))) {
    const [text, closing, name, selfClosing] = m;
    const lower = (name ?? "").toLowerCase();
    if (verbatim) {
      if (closing && lower === verbatim) {
        lines.push(pad() + source.slice(verbatimStart, m.index + text.length).trim());
        verbatim = null;
        last = m.index + text.length;
      }
      continue;
    }
    const between = source.slice(last, m.index).trim();
    if (between) lines.push(pad() + between);
    last = m.index + text.length;
    if (closing) {
      depth -= 1;
      lines.push(pad() + text);
    } else if (selfClosing) {
      lines.push(pad() + text);
    } else if (VERBATIM.includes(lower)) {
      verbatim = lower;
      verbatimStart = m.index;
    } else {
      lines.push(pad() + text);
      depth += 1;
    }
  }
  const rest = source.slice(verbatim ? verbatimStart : last).trim();
  if (rest) lines.push(rest);
  return lines.join("\n") + "\n";
}

/** Merge-tag blocks (`{% … %}`) outside text-like elements: the visual editor may move or
 * drop them, so the screen says so before opening it. Returns their 1-based line numbers. */
export function logicOutsideText(source: string): number[] {
  const lines: number[] = [];
  const block = /\{%[\s\S]*?%\}/g;
  let m: RegExpExecArray | null;
  while ((m = block.exec(source))) {
    const before = source.slice(0, m.index);
    const inside = VERBATIM.some((name) => {
      const open = before.lastIndexOf(`<${name}`);
      return open >= 0 && before.indexOf(`</${name}`, open) < 0;
    });
    if (!inside) lines.push(before.split("\n").length);
  }
  return lines;
}

/** Where toGrapes notes the attributes an element's source wrote (see keepWrittenAttributes). */
export const WRITTEN = "data-herald-written";

const OPEN_TAG = /<(mj-[a-z-]+|mjml)(\s[^>]*?)?(\s*\/)?>/gi;
const ATTRIBUTE = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)/g;

/** The names of the attributes written in an opening tag's attribute text. */
export function attributeNames(text: string): string[] {
  return [...text.matchAll(ATTRIBUTE)].map((m) => m[1]!);
}

/** MJML for GrapesJS: self-closing tags as open/close pairs (GrapesJS reads MJML with an HTML
 * parser, where `<mj-spacer />` would swallow the elements after it), and each element's
 * written attributes noted so the export keeps them even when they equal MJML's defaults. */
export function toGrapes(source: string): string {
  return source.replace(OPEN_TAG, (_all, name: string, attrs: string | undefined, selfClosing: string | undefined) => {
    const text = attrs ?? "";
    const names = attributeNames(text).filter((n) => n !== WRITTEN);
    const note = names.length ? ` ${WRITTEN}="${names.join(" ")}"` : "";
    const open = `<${name}${text.replace(/\s+$/, "")}${note}>`;
    return selfClosing ? `${open}</${name}>` : open;
  });
}

/** The attributes GrapesJS should export for a component: the written ones always, the others
 * unless they merely repeat the element's default. */
export function exportedAttributes(
  attributes: Record<string, unknown>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...attributes };
  const written = String(out[WRITTEN] ?? "").split(" ").filter(Boolean);
  delete out[WRITTEN];
  delete out.style;
  delete out.id;
  for (const key of Object.keys(out)) {
    if (out[key] && out[key] === defaults[key] && !written.includes(key)) delete out[key];
  }
  return out;
}
