// Pure logic for the organisation screens: the slug suggested from a name, the checks Herald
// makes on a name, slug and postal address (so problems show under the field before saving),
// and the IANA time zones the browser knows.
import { slugify } from "../lists/ListFormModal";

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const NAME_MAX = 200;
export const ADDRESS_MIN = 5;
export const ADDRESS_MAX = 500;
export const ADDRESS_MAX_LINES = 8;

/** The slug suggested for a new organisation's name ("Nordic Letters AB" → "nordic-letters-ab"). */
export function suggestSlug(name: string): string {
  return slugify(name);
}

// Control characters (other than the line breaks between address lines) and the
// bidirectional overrides that can make a footer read differently from what is stored.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The address as Herald stores it: lines trimmed, empty lines dropped, `\n` between lines. */
export function normaliseAddress(address: string): string {
  return address
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join("\n");
}

export type FieldError =
  | { key: "required" }
  | { key: "too_short"; min: number }
  | { key: "too_long"; max: number }
  | { key: "too_many_lines"; max: number }
  | { key: "control" }
  | { key: "slug" };

export function checkName(name: string): FieldError | null {
  const value = name.trim();
  if (!value) return { key: "required" };
  if (value.length > NAME_MAX) return { key: "too_long", max: NAME_MAX };
  if (CONTROL.test(value) || value.includes("\n")) return { key: "control" };
  return null;
}

export function checkSlug(slug: string): FieldError | null {
  if (!slug) return { key: "required" };
  return SLUG_PATTERN.test(slug) ? null : { key: "slug" };
}

/** Checks a postal address; `optional` lets an empty one pass (a new organisation may leave
 * it for later), once set it can be corrected but not removed. */
export function checkAddress(address: string, optional = false): FieldError | null {
  if (CONTROL.test(address.replace(/\r\n/g, "\n"))) return { key: "control" };
  const value = normaliseAddress(address);
  if (!value) return optional ? null : { key: "required" };
  if (value.length < ADDRESS_MIN) return { key: "too_short", min: ADDRESS_MIN };
  if (value.length > ADDRESS_MAX) return { key: "too_long", max: ADDRESS_MAX };
  if (value.split("\n").length > ADDRESS_MAX_LINES) return { key: "too_many_lines", max: ADDRESS_MAX_LINES };
  return null;
}

/** Every IANA time zone the browser knows, sorted, always with UTC and `current` (so a zone
 * Herald holds is shown even if this browser does not list it). */
export function timeZones(current?: string, supported?: () => string[]): string[] {
  let zones: string[] = [];
  try {
    zones = supported ? supported() : Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const all = new Set(zones);
  all.add("UTC");
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b));
}
