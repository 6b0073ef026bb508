import { describe, expect, it } from "vitest";
import { checkAddress, checkName, checkSlug, normaliseAddress, suggestSlug, timeZones } from "./organisation";

describe("suggestSlug", () => {
  it("turns a name into a short name Herald accepts", () => {
    expect(suggestSlug("Nordic Letters AB")).toBe("nordic-letters-ab");
    expect(suggestSlug("  Café Öresund & Co. ")).toBe("cafe-oresund-co");
    expect(checkSlug(suggestSlug("Ümlaut Ünited"))).toBeNull();
    expect(suggestSlug("x".repeat(80))).toHaveLength(64);
  });
});

describe("checkSlug and checkName", () => {
  it("refuses what Herald refuses", () => {
    expect(checkSlug("")).toEqual({ key: "required" });
    expect(checkSlug("Bad Slug")).toEqual({ key: "slug" });
    expect(checkSlug("-lead")).toEqual({ key: "slug" });
    expect(checkSlug("ok_1-2")).toBeNull();
    expect(checkName("   ")).toEqual({ key: "required" });
    expect(checkName("a".repeat(201))).toEqual({ key: "too_long", max: 200 });
    expect(checkName("Acme\u202e")).toEqual({ key: "control" });
    expect(checkName(" Acme ")).toBeNull();
  });
});

describe("postal address", () => {
  it("is stored with trimmed lines and no empty ones", () => {
    expect(normaliseAddress(" Storgatan 1 \r\n\r\n 111 22 Stockholm\n")).toBe("Storgatan 1\n111 22 Stockholm");
  });

  it("is required once set, optional for a new organisation", () => {
    expect(checkAddress(" \n ")).toEqual({ key: "required" });
    expect(checkAddress(" \n ", true)).toBeNull();
    expect(checkAddress("1 Main St, Springfield")).toBeNull();
  });

  it("has a reasonable length and line count", () => {
    expect(checkAddress("1 A")).toEqual({ key: "too_short", min: 5 });
    expect(checkAddress("x".repeat(501))).toEqual({ key: "too_long", max: 500 });
    expect(checkAddress(Array.from({ length: 9 }, (_, i) => `line ${i}`).join("\n"))).toEqual({
      key: "too_many_lines",
      max: 8,
    });
    expect(checkAddress(Array.from({ length: 8 }, (_, i) => `line ${i}`).join("\n"))).toBeNull();
  });

  it("has no control or text-direction characters", () => {
    for (const bad of ["1 Main St\u0000", "1 Main\tSt", "1 Main St\u001b[31m", "1 Main \u202eSt", "1 Main\rSt"]) {
      expect(checkAddress(bad)).toEqual({ key: "control" });
    }
    expect(checkAddress("1 Main St\r\nSpringfield")).toBeNull();
  });
});

describe("timeZones", () => {
  it("lists the browser's zones with UTC and the current one, sorted", () => {
    expect(timeZones("Etc/GMT+5", () => ["Europe/Stockholm", "America/New_York"])).toEqual([
      "America/New_York",
      "Etc/GMT+5",
      "Europe/Stockholm",
      "UTC",
    ]);
    expect(timeZones(undefined, () => {
      throw new RangeError("unsupported");
    })).toEqual(["UTC"]);
    expect(timeZones()).toContain("Europe/Stockholm");
  });
});
