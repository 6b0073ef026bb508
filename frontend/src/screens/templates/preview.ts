// Pure pieces of the template preview: the document shown in the sandboxed frame (with the
// dark-mode emulation mail clients apply), positions in the MJML source, and the checks Herald's
// renderer makes before mrml sees the source (src/herald/templates/mjml.py), so the instant
// preview refuses what the server would refuse.

export type Device = "desktop" | "mobile";

/** Frame widths: mobile is a 375 px phone; desktop leaves room around MJML's 600 px body. */
export const FRAME_WIDTH: Record<Device, number> = { desktop: 680, mobile: 375 };

/** How the dark preview was made: the design's own `prefers-color-scheme: dark` rules
 * (Apple Mail, iOS Mail) or, when it has none, the colour inversion Gmail and Outlook apps
 * apply to light-only mail. */
export type DarkMode = "native" | "inverted";

export interface PreviewDocument {
  html: string;
  dark: DarkMode | null;
}

const DARK_QUERY = /\(\s*prefers-color-scheme\s*:\s*dark\s*\)/gi;
const LIGHT_QUERY = /\(\s*prefers-color-scheme\s*:\s*light\s*\)/gi;

/** Put `markup` at the end of the document's <head> (or make one). */
export function injectIntoHead(html: string, markup: string): string {
  const close = html.search(/<\/head\s*>/i);
  if (close >= 0) return html.slice(0, close) + markup + html.slice(close);
  const open = html.match(/<html[^>]*>/i);
  if (open && open.index !== undefined) {
    const at = open.index + open[0].length;
    return html.slice(0, at) + `<head>${markup}</head>` + html.slice(at);
  }
  return `<head>${markup}</head>` + html;
}

/** Emulate `prefers-color-scheme: dark` inside the preview frame. The frame cannot be told the
 * user prefers dark, so the design's dark media queries are made unconditional (and its light
 * ones never match); a design without any gets the inversion mail apps apply. */
export function darken(html: string): PreviewDocument {
  const native = DARK_QUERY.test(html);
  DARK_QUERY.lastIndex = 0;
  let out = html.replace(DARK_QUERY, "(min-width: 0px)").replace(LIGHT_QUERY, "(max-width: -1px)");
  const scheme = '<meta name="color-scheme" content="dark">';
  const style = native
    ? "<style>:root{color-scheme:dark}</style>"
    : "<style>:root{color-scheme:dark}html{filter:invert(1) hue-rotate(180deg);background:#fff}" +
      "img,video,picture{filter:invert(1) hue-rotate(180deg)}</style>";
  out = injectIntoHead(out, scheme + style);
  return { html: out, dark: native ? "native" : "inverted" };
}

/** The document for the preview frame: links open nowhere (the frame is sandboxed anyway). */
export function previewDocument(html: string, options: { dark: boolean }): PreviewDocument {
  const base = injectIntoHead(html, '<base target="_blank">');
  return options.dark ? darken(base) : { html: base, dark: null };
}

export interface SourcePosition {
  line: number;
  column: number;
}

/** 1-based line and column of a character index in `source` (as Herald reports them). */
export function lineColumn(source: string, index: number): SourcePosition {
  const at = Math.max(0, Math.min(index, source.length));
  const before = source.slice(0, at);
  const line = before.split("\n").length;
  const column = at - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column };
}

/** The character index of a 1-based line and column (clamped to the source). */
export function indexOf(source: string, position: SourcePosition): number {
  const lines = source.split("\n");
  const line = Math.max(1, Math.min(position.line, lines.length));
  let index = 0;
  for (let i = 0; i < line - 1; i++) index += lines[i]!.length + 1;
  return Math.min(index + Math.max(0, position.column - 1), index + lines[line - 1]!.length);
}

/** mrml (Rust) reports spans as UTF-8 byte offsets; JavaScript strings count UTF-16 units. */
export function byteOffsetToIndex(source: string, byteOffset: number): number {
  let bytes = 0;
  let index = 0;
  for (const ch of source) {
    if (bytes >= byteOffset) break;
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    index += ch.length;
  }
  return index;
}

export interface SourceProblem {
  message: string;
  position: SourcePosition | null;
}

const INCLUDE = /<mj-include\b/i;
const FONT = /<mj-font\b/i;
const SOCIAL = /<mj-social-element\b[^>]*>/gi;

/** The constructs Herald refuses before rendering (they would reach outside Herald). */
export function checkSource(source: string): SourceProblem | null {
  if (!source.trim()) return { message: "empty", position: null };
  const at = (index: number) => lineColumn(source, index);
  let m = INCLUDE.exec(source);
  if (m) return { message: "mj-include is not supported: paste the content instead", position: at(m.index) };
  m = FONT.exec(source);
  if (m) return { message: "mj-font loads remote fonts; use a system font stack instead", position: at(m.index) };
  SOCIAL.lastIndex = 0;
  while ((m = SOCIAL.exec(source))) {
    if (!/\bsrc\s*=/.test(m[0])) {
      return {
        message: "mj-social-element needs its own src= icon (Herald does not hot-link icons from a third party)",
        position: at(m.index),
      };
    }
  }
  if (!/<mjml[\s>]/i.test(source.slice(0, 4096))) return { message: "not-mjml", position: null };
  return null;
}

/** What mrml's `toHtml` answers (mrml/web), reduced to what the preview needs. */
export type MrmlResult =
  | { type: "success"; content: string }
  | {
      type: "error";
      message: string;
      details?: { type: string; position?: { start: number; end: number } };
    };

export type Rendered = { ok: true; html: string } | { ok: false; problem: SourceProblem };

/** Turn mrml's answer into HTML or a message with a line and column in the source. */
export function fromMrml(source: string, result: MrmlResult): Rendered {
  if (result.type === "success") return { ok: true, html: result.content };
  const span = result.details?.position;
  let position: SourcePosition | null = null;
  if (span) position = lineColumn(source, byteOffsetToIndex(source, span.start));
  else if (result.details?.type === "end-of-stream") position = lineColumn(source, source.length);
  return { ok: false, problem: { message: result.message, position } };
}

/** Line and column from an error Herald answered (`line`/`column` fields of the body). */
export function serverPosition(body: unknown): SourcePosition | null {
  if (!body || typeof body !== "object") return null;
  const { line, column } = body as { line?: unknown; column?: unknown };
  if (typeof line !== "number") return null;
  return { line, column: typeof column === "number" ? column : 1 };
}
