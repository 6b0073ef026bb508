import catalogues from "virtual:herald-locales";
import { describe, expect, it } from "vitest";

describe("the console's catalogues", () => {
  it("give every language the same console keys as English", () => {
    const english = Object.keys(catalogues.en ?? {}).sort();
    expect(english.length).toBeGreaterThan(300);
    for (const lang of ["sv", "fr", "es"]) {
      expect(Object.keys(catalogues[lang] ?? {}).sort()).toEqual(english);
    }
  });
});
