import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, initSync } from "mrml/web/mrml_wasm.js";
import {
  byteOffsetToIndex,
  checkSource,
  darken,
  fromMrml,
  indexOf,
  injectIntoHead,
  lineColumn,
  previewDocument,
  serverPosition,
  type MrmlResult,
} from "./preview";

describe("the preview document", () => {
  it("puts markup at the end of the head, or makes a head", () => {
    expect(injectIntoHead("<html><head><title>x</title></head><body></body></html>", "<b>")).toBe(
      "<html><head><title>x</title><b></head><body></body></html>",
    );
    expect(injectIntoHead('<html lang="en"><body>x</body></html>', "<b>")).toBe(
      '<html lang="en"><head><b></head><body>x</body></html>',
    );
    expect(injectIntoHead("<p>x</p>", "<b>")).toBe("<head><b></head><p>x</p>");
  });

  it("applies a design's own dark rules unconditionally, like Apple Mail", () => {
    const html =
      "<html><head><style>@media (prefers-color-scheme: dark) { .a { color: white } }" +
      "@media screen and (prefers-color-scheme:light){.b{color:black}}</style></head><body></body></html>";
    const out = darken(html);
    expect(out.dark).toBe("native");
    expect(out.html).toContain("@media (min-width: 0px) { .a { color: white } }");
    expect(out.html).toContain("@media screen and (max-width: -1px){.b");
    expect(out.html).not.toContain("prefers-color-scheme");
    expect(out.html).toContain('<meta name="color-scheme" content="dark">');
    expect(out.html).not.toContain("invert(");
  });

  it("inverts a light-only design, like Gmail and Outlook apps", () => {
    const out = darken("<html><head></head><body><img src='data:,'></body></html>");
    expect(out.dark).toBe("inverted");
    expect(out.html).toMatch(/html\{filter:invert\(1\) hue-rotate\(180deg\)/);
    expect(out.html).toMatch(/img,video,picture\{filter:invert\(1\)/);
  });

  it("leaves the light preview alone apart from the link target", () => {
    const out = previewDocument("<html><head></head><body>Hi</body></html>", { dark: false });
    expect(out.dark).toBeNull();
    expect(out.html).toBe('<html><head><base target="_blank"></head><body>Hi</body></html>');
    expect(previewDocument("<html><head></head></html>", { dark: true }).dark).toBe("inverted");
  });
});

describe("positions in the source", () => {
  const source = "<mjml>\n  <mj-body>\n    <mj-text>é</mj-text>";
  it("maps indexes to 1-based lines and columns and back", () => {
    expect(lineColumn(source, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn(source, source.indexOf("<mj-body"))).toEqual({ line: 2, column: 3 });
    expect(lineColumn(source, 10_000)).toEqual({ line: 3, column: 25 });
    expect(indexOf(source, { line: 2, column: 3 })).toBe(source.indexOf("<mj-body"));
    expect(indexOf(source, { line: 99, column: 1 })).toBe(source.lastIndexOf("\n") + 1);
    expect(indexOf(source, { line: 1, column: 99 })).toBe(6);
  });

  it("turns mrml's UTF-8 byte offsets into string indexes", () => {
    const s = "é€😀x";
    expect(byteOffsetToIndex(s, 0)).toBe(0);
    expect(byteOffsetToIndex(s, 2)).toBe(1);
    expect(byteOffsetToIndex(s, 5)).toBe(2);
    expect(byteOffsetToIndex(s, 9)).toBe(4);
    expect(s[byteOffsetToIndex(s, 9)]).toBe("x");
  });

  it("reads line and column from Herald's error body", () => {
    expect(serverPosition({ detail: "x", line: 3, column: 5 })).toEqual({ line: 3, column: 5 });
    expect(serverPosition({ detail: "x", line: 3 })).toEqual({ line: 3, column: 1 });
    expect(serverPosition({ detail: "x" })).toBeNull();
    expect(serverPosition(null)).toBeNull();
  });
});

describe("what the server refuses, refused before rendering", () => {
  it("names mj-include, mj-font and icon-less social elements with their position", () => {
    const include = checkSource('<mjml>\n<mj-body>\n  <mj-include path="x.mjml" />');
    expect(include?.message).toMatch(/mj-include/);
    expect(include?.position).toEqual({ line: 3, column: 3 });
    expect(checkSource('<mjml><mj-head><mj-font name="A" href="x"/>')?.message).toMatch(/mj-font/);
    expect(checkSource('<mjml><mj-social><mj-social-element name="facebook">')?.message).toMatch(/src=/);
    expect(checkSource('<mjml><mj-social><mj-social-element name="x" src="data:,">')).toBeNull();
    expect(checkSource("<html></html>")?.message).toBe("not-mjml");
    expect(checkSource("  ")?.message).toBe("empty");
  });
});

describe("mrml's answers", () => {
  const engine = (() => {
    initSync({ module: readFileSync(resolve(__dirname, "../../../node_modules/mrml/web/mrml_wasm_bg.wasm")) });
    const e = new Engine();
    e.setRenderOptions({ disableComments: false, socialIconOrigin: null, fonts: {} });
    return e;
  })();

  it("renders MJML with merge tags kept as typed", () => {
    const source = "<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ subscriber.name }}</mj-text></mj-column></mj-section></mj-body></mjml>";
    const out = fromMrml(source, engine.toHtml(source) as MrmlResult);
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.html).toContain("Hello {{ subscriber.name }}");
      expect(out.html).not.toContain("googleapis");
    }
  });

  it("points at the end of an unfinished document", () => {
    const source = "<mjml><mj-body>\n  <mj-text>é</mj-body></mjml>";
    const out = fromMrml(source, engine.toHtml(source) as MrmlResult);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problem.position).toEqual(lineColumn(source, source.length));
  });

  it("maps a span to the line and column of the source", () => {
    const source = "<mjml>\n<mj-body>\n  é<mj-section";
    const result: MrmlResult = {
      type: "error",
      message: "unexpected token",
      details: { type: "unexpected-token", position: { start: 21, end: 22 } },
    };
    const out = fromMrml(source, result);
    expect(!out.ok && out.problem.position).toEqual({ line: 3, column: 4 });
  });
});
