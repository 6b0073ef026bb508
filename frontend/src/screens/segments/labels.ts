// Human words for the catalogue: field groups and labels, operators per kind of field.
import type { TFunction } from "i18next";
import { CUSTOM, type Catalogue, type Kind } from "./model";

/** The field picker's sections, in order; fields Herald adds later land in "other". */
const SECTIONS: [string, string[]][] = [
  ["profile", ["email_domain", "name", "language", "country", "timezone", "source", "created_at", "confirmed_at"]],
  ["subscriptions", ["status", "list", "tenant"]],
  ["engagement", ["opened", "clicked", "last_open_days", "last_click_days"]],
];
const KNOWN = new Set(SECTIONS.flatMap(([, names]) => names));

export function fieldLabel(t: TFunction, field: string, cat: Catalogue | null): string {
  if (field === CUSTOM) return t("console.segments.field.custom");
  if (KNOWN.has(field)) return t(`console.segments.field.${field}`);
  return cat?.fields.get(field)?.description ?? field;
}

export function fieldOptions(t: TFunction, cat: Catalogue) {
  const groups = SECTIONS.map(([section, names]) => ({
    group: t(`console.segments.section.${section}`),
    items: names.filter((n) => cat.fields.has(n)).map((n) => ({ value: n, label: fieldLabel(t, n, cat) })),
  }));
  const other = [...cat.fields.keys()].filter((n) => !KNOWN.has(n));
  return [
    ...groups,
    ...(other.length
      ? [{ group: t("console.segments.section.other"), items: other.map((n) => ({ value: n, label: fieldLabel(t, n, cat) })) }]
      : []),
    { group: t("console.segments.section.custom"), items: [{ value: CUSTOM, label: t("console.segments.field.custom") }] },
  ].filter((g) => g.items.length > 0);
}

/** Operators whose words depend on the kind of field; the rest use console.segments.op.*. */
const KIND_OPS: Partial<Record<Kind, string>> = {
  date: "op_date",
  days: "op_days",
  list: "op_list",
  status: "op_status",
  event: "op_event",
  tenant: "op_status",
};

export function opLabel(t: TFunction, kind: Kind, op: string): string {
  const family = KIND_OPS[kind];
  if (family) return t(`console.segments.${family}.${op}`);
  return t(`console.segments.op.${op}`);
}

/** Operators offered for a field: date fields' "before"/"after" are synonyms of lt/gt and are
 * shown only when a loaded rule already uses them. */
export function offeredOps(kind: Kind, ops: string[], current: string): string[] {
  if (kind !== "date") return ops;
  return ops.filter((op) => (op !== "before" && op !== "after") || op === current);
}
