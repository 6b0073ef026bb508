// The segment builder's model: a tree of groups and conditions with stable ids (React keys),
// converted to and from Herald's rule JSON, validated row by row, updated immutably.
// No React here: every function is pure so the builder's behaviour is unit-tested directly.
//
// Herald's rule language (src/herald/segments/rules.py):
//   NODE = {"all": [NODE…]} | {"any": [NODE…]} | {"not": NODE} | {"field", "op", "value"}
// A group here is an all/any node, a `negated` flag on a group or a condition is a {"not": …}.

export type Combinator = "all" | "any";
/** What a field holds, as Herald's catalogue names it. */
export type Kind = "string" | "date" | "number" | "bool" | "status" | "list" | "tenant" | "event" | "days";
export type AttrType = "string" | "number" | "bool" | "date";
export const ATTR_TYPES: readonly AttrType[] = ["string", "number", "bool", "date"];
/** The pseudo-field of a custom attribute row: the key and its type are typed in the row. */
export const CUSTOM = "attributes";

export const STATUSES = ["pending", "active", "unsubscribed", "bounced", "complained", "suppressed"] as const;
export const MAX_DAYS = 36500;
export const MAX_STRING = 500;
/** Groups nest at most this deep in the builder (Herald accepts 10 levels including "not"s). */
export const MAX_GROUP_DEPTH = 4;
const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A field of the catalogue (GET /sys/newsletter/segments/fields). */
export interface FieldSpec {
  field: string;
  type: string;
  ops: string[];
  description: string;
  sys_only: boolean;
}

/** A condition's value as the editor holds it: text for one value, a list for in/nin. */
export type RowValue = string | string[];

export interface ConditionNode {
  kind: "condition";
  id: string;
  negated: boolean;
  /** A catalogue field name, or CUSTOM for a custom attribute. */
  field: string;
  attrKey: string;
  attrType: AttrType;
  op: string;
  value: RowValue;
}

export interface GroupNode {
  kind: "group";
  id: string;
  negated: boolean;
  combinator: Combinator;
  children: TreeNode[];
}

export type TreeNode = ConditionNode | GroupNode;
export type RuleJson = { [key: string]: unknown };

let sequence = 0;
/** A fresh id for a node (unique for the page's lifetime; only React keys and lookups use it). */
export function newId(): string {
  sequence += 1;
  return `n${sequence}`;
}

// --- the catalogue ---------------------------------------------------------------------------

export interface Catalogue {
  /** Built-in fields by name (no attribute templates). */
  fields: Map<string, FieldSpec>;
  /** Operators of custom attributes by declared type. */
  attrOps: Record<AttrType, string[]>;
}

const FALLBACK_ATTR_OPS: Record<AttrType, string[]> = {
  string: ["eq", "neq", "in", "nin", "regex", "exists"],
  number: ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists"],
  bool: ["eq", "neq", "exists"],
  date: ["gt", "gte", "lt", "lte", "before", "after", "within_last_days", "exists"],
};

export function makeCatalogue(items: FieldSpec[]): Catalogue {
  const fields = new Map<string, FieldSpec>();
  const attrOps = { ...FALLBACK_ATTR_OPS };
  for (const item of items) {
    const template = /^attributes\.<key>:(\w+)$/.exec(item.field);
    const declared = template?.[1];
    if (declared !== undefined) {
      if ((ATTR_TYPES as readonly string[]).includes(declared)) attrOps[declared as AttrType] = item.ops;
    } else {
      fields.set(item.field, item);
    }
  }
  return { fields, attrOps };
}

/** The kind and operators of a condition's field, or null when the field is unknown. */
export function fieldInfo(cond: Pick<ConditionNode, "field" | "attrType">, cat: Catalogue): { kind: Kind; ops: string[] } | null {
  if (cond.field === CUSTOM) return { kind: cond.attrType, ops: cat.attrOps[cond.attrType] };
  const spec = cat.fields.get(cond.field);
  if (!spec) return null;
  return { kind: spec.type as Kind, ops: spec.ops };
}

// --- values ----------------------------------------------------------------------------------

/** How a value is edited for a kind and operator. */
export type ValueShape = "none" | "text" | "multi" | "number" | "date" | "days" | "bool" | "status" | "statuses" | "list" | "lists" | "event";

export function valueShape(kind: Kind, op: string): ValueShape {
  if (op === "exists") return "none";
  if (op === "within_last_days" || kind === "days") return "days";
  const many = op === "in" || op === "nin";
  switch (kind) {
    case "status":
      return many ? "statuses" : "status";
    case "list":
      return many ? "lists" : "list";
    case "tenant":
      return many ? "multi" : "text";
    case "event":
      return "event";
    case "bool":
      return "bool";
    case "date":
      return "date";
    case "number":
      return many ? "multi" : "number";
    default:
      return many ? "multi" : "text";
  }
}

function isMulti(shape: ValueShape): boolean {
  return shape === "multi" || shape === "statuses" || shape === "lists";
}

/** The value a fresh row starts with for a shape. */
export function defaultValue(shape: ValueShape): RowValue {
  if (isMulti(shape)) return [];
  if (shape === "bool") return "true";
  if (shape === "event") return "any";
  return "";
}

const FAMILY: Record<ValueShape, string> = {
  none: "none",
  text: "text",
  multi: "text",
  number: "number",
  date: "date",
  days: "days",
  bool: "bool",
  status: "status",
  statuses: "status",
  list: "list",
  lists: "list",
  event: "event",
};

function compatible(a: ValueShape, b: ValueShape): boolean {
  return FAMILY[a] === FAMILY[b] || (a === "number" && b === "multi") || (a === "multi" && b === "number");
}

/** Carries a value across an operator change when the new shape can hold it (one value ↔ a
 * list of values of the same sort), else resets it. */
export function adaptValue(value: RowValue, from: ValueShape, to: ValueShape): RowValue {
  if (from === to) return value;
  if (!compatible(from, to)) return defaultValue(to);
  const fromMulti = isMulti(from);
  const toMulti = isMulti(to);
  if (fromMulti && !toMulti) return Array.isArray(value) ? (value[0] ?? "") : defaultValue(to);
  if (!fromMulti && toMulti) return typeof value === "string" && value.trim() ? [value.trim()] : [];
  return value;
}

// --- validation ------------------------------------------------------------------------------

/** A problem with a row, as a message key under console.segments.invalid.* (null: the row is
 * complete and valid). */
export type RowProblem =
  | "field"
  | "attr_key"
  | "op"
  | "value_missing"
  | "value_number"
  | "value_date"
  | "value_days"
  | "value_slug"
  | "value_long"
  | "value_campaign"
  | "value_regex";

function isInt(text: string): boolean {
  return /^-?\d+$/.test(text.trim());
}

function numberOf(text: string): number | null {
  const trimmed = text.trim().replace(",", ".");
  if (!trimmed) return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

function validDay(text: string): boolean {
  if (!ISO_DAY.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

export function validateRow(cond: ConditionNode, cat: Catalogue): RowProblem | null {
  if (!cond.field) return "field";
  if (cond.field === CUSTOM && !ATTRIBUTE_KEY.test(cond.attrKey.trim())) return "attr_key";
  const info = fieldInfo(cond, cat);
  if (!info) return "field";
  if (!info.ops.includes(cond.op)) return "op";
  const shape = valueShape(info.kind, cond.op);
  const v = cond.value;
  if (shape === "none" || shape === "bool") return null;
  if (isMulti(shape)) {
    if (!Array.isArray(v) || v.length === 0) return "value_missing";
    if (v.some((x) => x.length > MAX_STRING)) return "value_long";
    if (info.kind === "number" && v.some((x) => numberOf(x) === null)) return "value_number";
    if ((info.kind === "list" || info.kind === "tenant") && v.some((x) => !SLUG.test(x))) return "value_slug";
    if (shape === "statuses" && v.some((x) => !(STATUSES as readonly string[]).includes(x))) return "value_missing";
    return null;
  }
  const text = typeof v === "string" ? v.trim() : "";
  if (shape === "event") {
    if (text === "any") return null;
    return isInt(text) && Number(text) > 0 ? null : "value_campaign";
  }
  if (!text) return "value_missing";
  switch (shape) {
    case "days":
      return isInt(text) && Number(text) >= 0 && Number(text) <= MAX_DAYS ? null : "value_days";
    case "number":
      return numberOf(text) === null ? "value_number" : null;
    case "date":
      return validDay(text) ? null : "value_date";
    case "status":
      return (STATUSES as readonly string[]).includes(text) ? null : "value_missing";
    case "list":
      return SLUG.test(text) ? null : "value_slug";
    default:
      if ((info.kind === "tenant") && !SLUG.test(text)) return "value_slug";
      if (text.length > MAX_STRING) return "value_long";
      if (cond.op === "regex" && text.length > 100) return "value_regex";
      return null;
  }
}

// --- tree ↔ JSON -----------------------------------------------------------------------------

export function emptyCondition(): ConditionNode {
  return { kind: "condition", id: newId(), negated: false, field: "", attrKey: "", attrType: "string", op: "", value: "" };
}

export function emptyGroup(combinator: Combinator = "all"): GroupNode {
  return { kind: "group", id: newId(), negated: false, combinator, children: [] };
}

/** The condition's field as Herald spells it. */
export function apiField(cond: ConditionNode): string {
  return cond.field === CUSTOM ? `attributes.${cond.attrKey.trim()}:${cond.attrType}` : cond.field;
}

function apiValue(cond: ConditionNode, kind: Kind): unknown {
  const shape = valueShape(kind, cond.op);
  const v = cond.value;
  switch (shape) {
    case "none":
      return true;
    case "bool":
      return v === "true";
    case "event":
      return v === "any" ? true : Number(v);
    case "days":
    case "number":
      return numberOf(v as string);
    case "multi":
      return kind === "number" ? (v as string[]).map((x) => numberOf(x)) : [...(v as string[])];
    case "statuses":
    case "lists":
      return [...(v as string[])];
    default:
      return (v as string).trim();
  }
}

function wrapNot(node: RuleJson, negated: boolean): RuleJson {
  return negated ? { not: node } : node;
}

/** The rule JSON of a tree. With `onlyValid`, invalid rows and groups left empty by them are
 * dropped (what the live count sends); without it, every row must be valid (what Save sends). */
export function toApi(root: GroupNode, cat: Catalogue, onlyValid = true): RuleJson {
  const group = (g: GroupNode, isRoot: boolean): RuleJson | null => {
    const children: RuleJson[] = [];
    for (const child of g.children) {
      const out = child.kind === "group" ? group(child, false) : condition(child);
      if (out) children.push(out);
    }
    if (!isRoot && children.length === 0) return null;
    return wrapNot({ [g.combinator]: children }, g.negated);
  };
  const condition = (c: ConditionNode): RuleJson | null => {
    const problem = validateRow(c, cat);
    if (problem) {
      if (onlyValid) return null;
      throw new Error(`invalid row ${c.id}: ${problem}`);
    }
    const info = fieldInfo(c, cat);
    return wrapNot({ field: apiField(c), op: c.op, value: apiValue(c, info!.kind) }, c.negated);
  };
  return group(root, true) ?? { all: [] };
}

function rowValueFrom(value: unknown, kind: Kind, op: string): RowValue {
  const shape = valueShape(kind, op);
  if (shape === "none") return "";
  if (Array.isArray(value)) return value.map((x) => String(x));
  if (shape === "bool") return value === false ? "false" : "true";
  if (shape === "event") return value === true ? "any" : String(value ?? "");
  if (value === null || value === undefined) return defaultValue(shape);
  if (shape === "date" && typeof value === "string") return value.slice(0, 10);
  const text = String(value);
  return isMulti(shape) ? [text] : text;
}

function conditionFrom(raw: RuleJson, cat: Catalogue, negated: boolean): ConditionNode {
  const field = String(raw.field ?? "");
  const op = String(raw.op ?? "");
  const cond = emptyCondition();
  cond.negated = negated;
  cond.op = op;
  if (field.startsWith("attributes.")) {
    const [key, declared] = field.slice("attributes.".length).split(":", 2);
    cond.field = CUSTOM;
    cond.attrKey = key ?? "";
    cond.attrType = (ATTR_TYPES as readonly string[]).includes(declared ?? "string") ? ((declared ?? "string") as AttrType) : "string";
  } else {
    cond.field = field;
  }
  const info = fieldInfo(cond, cat);
  cond.value = info ? rowValueFrom(raw.value, info.kind, op) : typeof raw.value === "string" ? raw.value : "";
  return cond;
}

function isRecord(x: unknown): x is RuleJson {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A tree from Herald's rule JSON. The root is always a group (a bare condition or "not" at
 * the top is wrapped in "all"). Double negation cancels out. */
export function fromApi(json: unknown, cat: Catalogue): GroupNode {
  const node = (raw: unknown, negated: boolean): TreeNode => {
    if (!isRecord(raw)) return { ...emptyCondition(), negated };
    if ("not" in raw) return node(raw.not, !negated);
    for (const combinator of ["all", "any"] as const) {
      if (combinator in raw) {
        const children = Array.isArray(raw[combinator]) ? (raw[combinator] as unknown[]) : [];
        return { ...emptyGroup(combinator), negated, children: children.map((c) => node(c, false)) };
      }
    }
    return conditionFrom(raw, cat, negated);
  };
  const root = node(json, false);
  if (root.kind === "group") return root;
  return { ...emptyGroup("all"), children: [root] };
}

// --- immutable updates -------------------------------------------------------------------------

function mapTree(node: GroupNode, id: string, fn: (n: TreeNode) => TreeNode | null): GroupNode {
  let changed = false;
  const children: TreeNode[] = [];
  for (const child of node.children) {
    if (child.id === id) {
      const next = fn(child);
      changed = true;
      if (next) children.push(next);
      continue;
    }
    if (child.kind === "group") {
      const next = mapTree(child, id, fn);
      if (next !== child) changed = true;
      children.push(next);
    } else {
      children.push(child);
    }
  }
  return changed ? { ...node, children } : node;
}

/** Replaces the node with `id` by `fn(node)` (the root too); returns the same tree when absent. */
export function updateNode(root: GroupNode, id: string, fn: (n: TreeNode) => TreeNode): GroupNode {
  if (root.id === id) {
    const next = fn(root);
    return next.kind === "group" ? next : root;
  }
  return mapTree(root, id, fn);
}

export function removeNode(root: GroupNode, id: string): GroupNode {
  return mapTree(root, id, () => null);
}

export function addChild(root: GroupNode, groupId: string, child: TreeNode): GroupNode {
  return updateNode(root, groupId, (g) => (g.kind === "group" ? { ...g, children: [...g.children, child] } : g));
}

export function setCombinator(root: GroupNode, groupId: string, combinator: Combinator): GroupNode {
  return updateNode(root, groupId, (g) => (g.kind === "group" ? { ...g, combinator } : g));
}

export function toggleNegated(root: GroupNode, id: string): GroupNode {
  return updateNode(root, id, (n) => ({ ...n, negated: !n.negated }));
}

/** A new field for a row: keeps the operator if the field offers it and the value if its
 * shape still fits, else the field's first operator and an empty value. */
export function changeField(cond: ConditionNode, field: string, cat: Catalogue): ConditionNode {
  return retarget(cond, { ...cond, field }, cat);
}

/** A custom attribute's new type (same rules as a new field). */
export function changeAttrType(cond: ConditionNode, attrType: AttrType, cat: Catalogue): ConditionNode {
  return retarget(cond, { ...cond, attrType }, cat);
}

function retarget(before: ConditionNode, after: ConditionNode, cat: Catalogue): ConditionNode {
  const oldInfo = fieldInfo(before, cat);
  const info = fieldInfo(after, cat);
  if (!info) return { ...after, op: "", value: "" };
  const op = info.ops.includes(after.op) ? after.op : (info.ops[0] ?? "");
  const shape = valueShape(info.kind, op);
  const keep = oldInfo !== null && oldInfo.kind === info.kind && before.op === op;
  return { ...after, op, value: keep ? after.value : defaultValue(shape) };
}

export function changeOp(cond: ConditionNode, op: string, cat: Catalogue): ConditionNode {
  const info = fieldInfo(cond, cat);
  if (!info) return { ...cond, op };
  const from = valueShape(info.kind, cond.op);
  const to = valueShape(info.kind, op);
  return { ...cond, op, value: adaptValue(cond.value, from, to) };
}

// --- queries ---------------------------------------------------------------------------------

/** Every condition of the tree, depth first. */
export function conditions(root: GroupNode): ConditionNode[] {
  const out: ConditionNode[] = [];
  const walk = (g: GroupNode) => {
    for (const c of g.children) {
      if (c.kind === "group") walk(c);
      else out.push(c);
    }
  };
  walk(root);
  return out;
}

/** How many rows are incomplete or invalid (left out of the count, and blocking Save). */
export function incompleteRows(root: GroupNode, cat: Catalogue): ConditionNode[] {
  return conditions(root).filter((c) => validateRow(c, cat) !== null);
}

/** The rows Herald's 422 message points at: its `field` names a condition's field. */
export function rowsForField(root: GroupNode, field: string | undefined): string[] {
  if (!field) return [];
  return conditions(root)
    .filter((c) => apiField(c) === field || (c.field === CUSTOM && field === `attributes.${c.attrKey.trim()}`))
    .map((c) => c.id);
}
