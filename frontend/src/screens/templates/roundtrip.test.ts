import { describe, expect, it } from "vitest";
import { attributeNames, exportedAttributes, formatMjml, fromGrapes, logicOutsideText, toGrapes } from "./roundtrip";

describe("MJML back from the visual editor", () => {
  it("lays out one tag per line and keeps text content as written", () => {
    const out = formatMjml(
      '<mjml><mj-body><mj-section><mj-column><mj-text font-size="16px">Hi <b>{{ subscriber.name }}</b>\n  there</mj-text><mj-image src="data:," /></mj-column></mj-section></mj-body></mjml>',
    );
    expect(out).toBe(
      [
        "<mjml>",
        "  <mj-body>",
        "    <mj-section>",
        "      <mj-column>",
        '        <mj-text font-size="16px">Hi <b>{{ subscriber.name }}</b>\n  there</mj-text>',
        '        <mj-image src="data:," />',
        "      </mj-column>",
        "    </mj-section>",
        "  </mj-body>",
        "</mjml>",
        "",
      ].join("\n"),
    );
  });

  it("puts back the head the export lost, and drops an XML declaration", () => {
    const original = "<mjml><mj-head><mj-style>.x { color: red }</mj-style></mj-head><mj-body></mj-body></mjml>";
    const out = fromGrapes('<?xml version="1.0"?><mjml><mj-body><mj-section></mj-section></mj-body></mjml>', original);
    expect(out).toContain("<mj-head>");
    expect(out).toContain("<mj-style>.x { color: red }</mj-style>");
    expect(out.indexOf("<mj-head>")).toBeLessThan(out.indexOf("<mj-body>"));
    expect(out.startsWith("<mjml>")).toBe(true);
  });

  it("keeps the head GrapesJS exported itself", () => {
    const out = fromGrapes("<mjml><mj-head><mj-title>New</mj-title></mj-head><mj-body></mj-body></mjml>", "<mjml><mj-head><mj-title>Old</mj-title></mj-head></mjml>");
    expect(out).toContain("New");
    expect(out).not.toContain("Old");
  });

  it("finds template logic between elements, not inside text", () => {
    const source = [
      "<mjml><mj-body>",
      "{% if subscriber.country == 'SE' %}",
      "<mj-section><mj-column><mj-text>{% if x %}Hej{% endif %}</mj-text></mj-column></mj-section>",
      "{% endif %}",
      "</mj-body></mjml>",
    ].join("\n");
    expect(logicOutsideText(source)).toEqual([2, 4]);
    expect(logicOutsideText("<mjml><mj-text>{{ a }}</mj-text></mjml>")).toEqual([]);
  });
});

describe("MJML into the visual editor", () => {
  it("writes self-closing MJML tags as pairs and notes written attributes", () => {
    expect(toGrapes('<mj-column><mj-spacer height="20px" /><mj-divider/><mj-text>a/b</mj-text></mj-column>')).toBe(
      '<mj-column><mj-spacer height="20px" data-herald-written="height"></mj-spacer><mj-divider></mj-divider><mj-text>a/b</mj-text></mj-column>',
    );
    expect(toGrapes('<mj-image src="data:image/png;base64,AA/BB" alt=\'x/y\'/>')).toBe(
      '<mj-image src="data:image/png;base64,AA/BB" alt=\'x/y\' data-herald-written="src alt"></mj-image>',
    );
    expect(toGrapes('<mjml lang="en"><mj-body><p class="x">{{ a }}</p></mj-body></mjml>')).toBe(
      '<mjml lang="en" data-herald-written="lang"><mj-body><p class="x">{{ a }}</p></mj-body></mjml>',
    );
  });

  it("exports written attributes even when they equal the default, drops unwritten defaults", () => {
    const defaults = { "font-size": "13px", align: "left", color: "#000000" };
    expect(
      exportedAttributes({ "font-size": "13px", align: "left", color: "#111", id: "x1", style: "", "data-herald-written": "font-size color" }, defaults),
    ).toEqual({ "font-size": "13px", color: "#111" });
    expect(exportedAttributes({ "font-size": "13px", align: "center" }, defaults)).toEqual({ align: "center" });
  });

  it("takes the notes out again on the way back", () => {
    const back = fromGrapes('<mjml data-herald-written="lang" lang="en"><mj-body><mj-text data-herald-written="color" color="#111">Hi</mj-text></mj-body></mjml>', "<mjml></mjml>");
    expect(back).not.toContain("data-herald-written");
    expect(back).toContain('<mj-text color="#111">Hi</mj-text>');
    expect(attributeNames(' a="1" b=\'2\' c=3')).toEqual(["a", "b", "c"]);
  });
});
