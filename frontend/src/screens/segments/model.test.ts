// The builder's model: rule JSON ↔ tree, validation, field/operator changes, immutable updates.
import { describe, expect, it } from "vitest";
import {
  CUSTOM,
  addChild,
  changeAttrType,
  changeField,
  changeOp,
  conditions,
  emptyCondition,
  emptyGroup,
  fromApi,
  incompleteRows,
  makeCatalogue,
  removeNode,
  rowsForField,
  setCombinator,
  toApi,
  toggleNegated,
  updateNode,
  validateRow,
  type ConditionNode,
  type GroupNode,
} from "./model";
import { FIELDS } from "./testFields";

const cat = makeCatalogue(FIELDS);

function cond(partial: Partial<ConditionNode>): ConditionNode {
  return { ...emptyCondition(), ...partial };
}

const NESTED = {
  all: [
    { field: "country", op: "in", value: ["FR", "BE"] },
    {
      any: [
        { field: "attributes.role:string", op: "eq", value: "federation_admin" },
        { field: "list", op: "in", value: ["news"] },
        { not: { all: [{ field: "attributes.age:number", op: "gte", value: 18 }, { field: "opened", op: "eq", value: 12 }] } },
      ],
    },
    { not: { field: "status", op: "eq", value: "unsubscribed" } },
    { field: "created_at", op: "after", value: "2026-01-31" },
    { field: "last_click_days", op: "within_last_days", value: 90 },
    { field: "attributes.vip:bool", op: "eq", value: false },
    { field: "clicked", op: "eq", value: true },
    { field: "timezone", op: "exists", value: true },
  ],
};

describe("rule JSON ↔ tree", () => {
  it("round-trips nested all/any/not with every kind of value", () => {
    const tree = fromApi(NESTED, cat);
    expect(tree.combinator).toBe("all");
    const any = tree.children[1] as GroupNode;
    expect(any.kind).toBe("group");
    expect(any.combinator).toBe("any");
    const negatedGroup = any.children[2] as GroupNode;
    expect(negatedGroup.negated).toBe(true);
    expect(negatedGroup.combinator).toBe("all");
    const role = any.children[0] as ConditionNode;
    expect([role.field, role.attrKey, role.attrType, role.value]).toEqual([CUSTOM, "role", "string", "federation_admin"]);
    expect((tree.children[2] as ConditionNode).negated).toBe(true);
    expect(incompleteRows(tree, cat)).toEqual([]);
    expect(toApi(tree, cat, false)).toEqual(NESTED);
  });

  it("gives every node a distinct id", () => {
    const tree = fromApi(NESTED, cat);
    const ids: string[] = [];
    const walk = (g: GroupNode) => {
      ids.push(g.id);
      for (const c of g.children) if (c.kind === "group") walk(c);
      else ids.push(c.id);
    };
    walk(tree);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(14);
  });

  it("wraps a bare condition or a negated root, and cancels double negation", () => {
    const bare = fromApi({ field: "country", op: "eq", value: "SE" }, cat);
    expect(toApi(bare, cat)).toEqual({ all: [{ field: "country", op: "eq", value: "SE" }] });
    const notAny = { not: { any: [{ field: "country", op: "eq", value: "SE" }] } };
    expect(toApi(fromApi(notAny, cat), cat)).toEqual(notAny);
    const twice = { all: [{ not: { not: { field: "country", op: "eq", value: "SE" } } }] };
    expect(toApi(fromApi(twice, cat), cat)).toEqual({ all: [{ field: "country", op: "eq", value: "SE" }] });
  });

  it("reads an attribute without a type as text and converts numbers for Herald", () => {
    const tree = fromApi({ all: [{ field: "attributes.plan", op: "eq", value: "pro" }, { field: "attributes.age:number", op: "in", value: [18, 21.5] }] }, cat);
    expect(toApi(tree, cat)).toEqual({
      all: [
        { field: "attributes.plan:string", op: "eq", value: "pro" },
        { field: "attributes.age:number", op: "in", value: [18, 21.5] },
      ],
    });
  });
});

describe("incomplete rows", () => {
  it("are left out of the counted rules, with groups they empty, and refused when saving", () => {
    let tree = fromApi({ all: [{ field: "country", op: "eq", value: "FR" }] }, cat);
    const inner = { ...emptyGroup("any"), children: [emptyCondition()] };
    tree = addChild(tree, tree.id, inner);
    tree = addChild(tree, tree.id, cond({ field: "last_open_days", op: "within_last_days", value: "" }));
    expect(incompleteRows(tree, cat)).toHaveLength(2);
    expect(toApi(tree, cat)).toEqual({ all: [{ field: "country", op: "eq", value: "FR" }] });
    expect(() => toApi(tree, cat, false)).toThrow(/invalid row/);
  });

  it("leave an empty root as everyone", () => {
    expect(toApi(emptyGroup("any"), cat)).toEqual({ any: [] });
    expect(toApi({ ...emptyGroup("all"), children: [emptyCondition()] }, cat)).toEqual({ all: [] });
  });
});

describe("validateRow", () => {
  const cases: [Partial<ConditionNode>, string | null][] = [
    [{}, "field"],
    [{ field: "nope", op: "eq", value: "x" }, "field"],
    [{ field: "country", op: "gt", value: "x" }, "op"],
    [{ field: "country", op: "eq", value: "  " }, "value_missing"],
    [{ field: "country", op: "in", value: [] }, "value_missing"],
    [{ field: "country", op: "in", value: ["FR"] }, null],
    [{ field: "country", op: "exists", value: "" }, null],
    [{ field: CUSTOM, attrKey: "", attrType: "string", op: "eq", value: "x" }, "attr_key"],
    [{ field: CUSTOM, attrKey: "bad key", attrType: "string", op: "eq", value: "x" }, "attr_key"],
    [{ field: CUSTOM, attrKey: "age", attrType: "number", op: "gt", value: "abc" }, "value_number"],
    [{ field: CUSTOM, attrKey: "age", attrType: "number", op: "gt", value: "17.5" }, null],
    [{ field: CUSTOM, attrKey: "age", attrType: "number", op: "in", value: ["1", "x"] }, "value_number"],
    [{ field: "created_at", op: "after", value: "2026-02-30" }, "value_date"],
    [{ field: "created_at", op: "after", value: "2026-02-28" }, null],
    [{ field: "created_at", op: "within_last_days", value: "30" }, null],
    [{ field: "last_open_days", op: "gt", value: "-1" }, "value_days"],
    [{ field: "last_open_days", op: "gt", value: "36501" }, "value_days"],
    [{ field: "last_open_days", op: "gt", value: "1.5" }, "value_days"],
    [{ field: "list", op: "eq", value: "News Letter" }, "value_slug"],
    [{ field: "list", op: "in", value: ["news", "events"] }, null],
    [{ field: "status", op: "eq", value: "active" }, null],
    [{ field: "status", op: "in", value: ["active", "nope"] }, "value_missing"],
    [{ field: "opened", op: "eq", value: "any" }, null],
    [{ field: "opened", op: "eq", value: "" }, "value_campaign"],
    [{ field: "opened", op: "eq", value: "0" }, "value_campaign"],
    [{ field: "opened", op: "eq", value: "42" }, null],
    [{ field: "country", op: "eq", value: "x".repeat(501) }, "value_long"],
  ];
  it.each(cases)("%o → %s", (partial, expected) => {
    expect(validateRow(cond(partial), cat)).toBe(expected);
  });
});

describe("changing a row", () => {
  it("keeps operator and value when the new field shares them", () => {
    const c = cond({ field: "country", op: "in", value: ["FR", "BE"] });
    expect(changeField(c, "language", cat)).toMatchObject({ field: "language", op: "in", value: ["FR", "BE"] });
  });

  it("resets an operator the new field lacks, and the value with it", () => {
    const c = cond({ field: "country", op: "regex", value: "^F" });
    const next = changeField(c, "created_at", cat);
    expect(next.op).toBe("gt");
    expect(next.value).toBe("");
    const toList = changeField(cond({ field: "country", op: "in", value: ["FR"] }), "list", cat);
    expect(toList).toMatchObject({ op: "in", value: [] });
    const toEvent = changeField(c, "opened", cat);
    expect(toEvent).toMatchObject({ op: "eq", value: "any" });
    expect(validateRow(toEvent, cat)).toBeNull();
  });

  it("resets the value when a custom attribute changes type", () => {
    const c = cond({ field: CUSTOM, attrKey: "age", attrType: "string", op: "eq", value: "abc" });
    const next = changeAttrType(c, "number", cat);
    expect(next).toMatchObject({ attrType: "number", op: "eq", value: "" });
    const bool = changeAttrType(c, "bool", cat);
    expect(bool).toMatchObject({ op: "eq", value: "true" });
    expect(toApi({ ...emptyGroup(), children: [bool] }, cat)).toEqual({ all: [{ field: "attributes.age:bool", op: "eq", value: true }] });
  });

  it("carries one value into a list and back when the operator changes", () => {
    const c = cond({ field: "country", op: "eq", value: " FR " });
    const many = changeOp(c, "in", cat);
    expect(many.value).toEqual(["FR"]);
    expect(changeOp(many, "neq", cat).value).toBe("FR");
    expect(changeOp(many, "exists", cat).value).toBe("");
    const date = cond({ field: "created_at", op: "gt", value: "2026-01-01" });
    expect(changeOp(date, "within_last_days", cat).value).toBe("");
    expect(changeOp(date, "lte", cat).value).toBe("2026-01-01");
  });
});

describe("immutable updates", () => {
  it("change only the path to the edited node", () => {
    const tree = fromApi(NESTED, cat);
    const any = tree.children[1] as GroupNode;
    const target = any.children[0] as ConditionNode;
    const next = updateNode(tree, target.id, (n) => ({ ...n, value: "x" }) as ConditionNode);
    expect(next).not.toBe(tree);
    expect(next.children[1]).not.toBe(any);
    expect(next.children[0]).toBe(tree.children[0]);
    expect(((next.children[1] as GroupNode).children[0] as ConditionNode).value).toBe("x");
    expect(target.value).toBe("federation_admin");
    expect(updateNode(tree, "missing", (n) => n)).toBe(tree);
  });

  it("add, remove, negate and switch AND/OR", () => {
    let tree = emptyGroup("all");
    const a = cond({ field: "country", op: "eq", value: "FR" });
    tree = addChild(tree, tree.id, a);
    const g = emptyGroup("any");
    tree = addChild(tree, tree.id, g);
    tree = addChild(tree, g.id, cond({ field: "language", op: "eq", value: "fr" }));
    tree = setCombinator(tree, tree.id, "any");
    tree = toggleNegated(tree, g.id);
    expect(toApi(tree, cat)).toEqual({
      any: [{ field: "country", op: "eq", value: "FR" }, { not: { any: [{ field: "language", op: "eq", value: "fr" }] } }],
    });
    tree = removeNode(tree, a.id);
    expect(conditions(tree).map((c) => c.field)).toEqual(["language"]);
    expect(rowsForField(tree, "language")).toEqual([conditions(tree)[0]!.id]);
    expect(rowsForField(tree, "country")).toEqual([]);
  });
});
