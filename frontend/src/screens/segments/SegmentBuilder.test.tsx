// The builder's components with Testing Library: the API client is mocked at the module level,
// so every count request the builder makes is inspected and answered here.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderUi } from "../../test/render";
import { emptyGroup, fromApi, makeCatalogue, type GroupNode, type RuleJson } from "./model";
import { SegmentBuilder } from "./SegmentBuilder";
import { FIELDS } from "./testFields";

const calls = vi.hoisted(() => ({ counts: [] as { rules: RuleJson; tenant?: string }[], answer: (_rules: RuleJson) => 0 as number | Response }));

vi.mock("../../api/client", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../api/client")>();
  const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
  return {
    ...real,
    api: {
      GET: vi.fn(async (path: string) => {
        if (path === "/sys/newsletter/lists") {
          return ok({ items: [{ id: 1, slug: "news", name: "News" }], next_cursor: null });
        }
        return ok({ count: 99, sample: [] });
      }),
      POST: vi.fn(async (path: string, init: { body: { rules: RuleJson; tenant?: string } }) => {
        expect(path).toBe("/sys/newsletter/segments/count");
        calls.counts.push(init.body);
        const answer = calls.answer(init.body.rules);
        if (answer instanceof Response) {
          return { error: await answer.json(), response: answer };
        }
        return ok({ count: answer, sample: answer ? [{ id: 7, email: "ada@example.com", name: "Ada" }] : [] });
      }),
    },
  };
});

const catalogue = makeCatalogue(FIELDS);

function Harness({ initial = emptyGroup("all"), readOnly = false }: { initial?: GroupNode; readOnly?: boolean }) {
  const [tree, setTree] = useState(initial);
  return <SegmentBuilder value={tree} onChange={setTree} catalogue={catalogue} tenant="acme" readOnly={readOnly} savedId={3} />;
}

function lastCount() {
  return calls.counts[calls.counts.length - 1];
}

async function pick(user: ReturnType<typeof userEvent.setup>, control: HTMLElement, option: string) {
  await user.click(control);
  // The options of this control's own listbox (Mantine keeps closed dropdowns mounted).
  const listbox = await waitFor(() => {
    const el = document.getElementById(control.getAttribute("aria-controls") ?? "");
    if (!el) throw new Error("no listbox");
    return el;
  });
  await user.click(within(listbox).getByRole("option", { name: option, hidden: true }));
}

function count() {
  return screen.getByTestId("segment-count");
}

beforeEach(() => {
  calls.counts.length = 0;
  // Each condition narrows: 120 people in all, 40 per country, FR+BE = 70.
  calls.answer = (rules) => {
    const text = JSON.stringify(rules);
    if (text.includes('"any"')) return 90;
    if (text.includes('"BE"')) return 70;
    if (text.includes('"FR"')) return 40;
    return 120;
  };
});

describe("SegmentBuilder", { timeout: 20_000 }, () => {
  it("counts everyone at first, then follows a new condition as it is completed", async () => {
    const user = userEvent.setup({ delay: null });
    renderUi(<Harness />);
    await waitFor(() => expect(count().textContent).toContain("120 people"));
    expect(lastCount()).toEqual({ rules: { all: [] }, tenant: "acme" });

    await user.click(screen.getByRole("button", { name: "Add condition to Segment rules" }));
    const row = screen.getByRole("group", { name: "Condition 1" });
    // A row without a field is marked and left out of the count.
    expect(within(row).getByText(/Choose a field\./)).toBeTruthy();
    expect(screen.getByText("1 incomplete condition is left out of the count.")).toBeTruthy();

    await pick(user, within(row).getByLabelText("Field of Condition 1"), "Country (code)");
    expect((within(row).getByLabelText("Comparison of Condition 1") as HTMLInputElement).value).toBe("is");
    await user.type(within(row).getByLabelText("Value of Condition 1 (Country (code))"), "FR");
    await waitFor(() => expect(count().textContent).toContain("40 people"));
    expect(lastCount()?.rules).toEqual({ all: [{ field: "country", op: "eq", value: "FR" }] });
    expect(screen.queryByText(/incomplete conditions? (is|are) left out of the count/)).toBeNull();
    expect(screen.getByRole("link", { name: "ada@example.com" }).getAttribute("href")).toBe("/subscribers/7");

    // "is one of" carries FR over as a tag; BE is added.
    await pick(user, within(row).getByLabelText("Comparison of Condition 1"), "is one of");
    const tags = within(row).getByLabelText("Value of Condition 1 (Country (code))");
    await user.type(tags, "BE,");
    await waitFor(() => expect(count().textContent).toContain("70 people"));
    expect(lastCount()?.rules).toEqual({ all: [{ field: "country", op: "in", value: ["FR", "BE"] }] });
  });

  it("debounces: typing sends one count for the finished value", async () => {
    const user = userEvent.setup({ delay: null });
    renderUi(<Harness initial={fromApi({ all: [{ field: "country", op: "eq", value: "S" }] }, catalogue)} />);
    await waitFor(() => expect(calls.counts).toHaveLength(1));
    await user.type(screen.getByLabelText("Value of Condition 1 (Country (code))"), "ECRET");
    await waitFor(() => expect(lastCount()?.rules).toEqual({ all: [{ field: "country", op: "eq", value: "SECRET" }] }));
    expect(calls.counts).toHaveLength(2);
  });

  it("switches AND/OR and nests groups, and the request body follows the tree", async () => {
    const user = userEvent.setup({ delay: null });
    renderUi(<Harness initial={fromApi({ all: [{ field: "country", op: "in", value: ["FR", "BE"] }] }, catalogue)} />);
    await waitFor(() => expect(count().textContent).toContain("70 people"));

    await user.click(screen.getByRole("button", { name: "Add group to Segment rules" }));
    const group = screen.getByRole("region", { name: "Group at level 2" });
    // A new nested group offers the other combinator and starts with one empty row.
    expect((within(group).getByRole("radio", { name: "any" }) as HTMLInputElement).checked).toBe(true);
    const row = within(group).getByRole("group", { name: "Condition 2" });
    await pick(user, within(row).getByLabelText("Field of Condition 2"), "Subscribed to list");
    await pick(user, within(row).getByLabelText("Value of Condition 2 (Subscribed to list)"), "News (news)");
    await user.click(within(group).getByRole("button", { name: "Add condition to Group at level 2" }));
    const attr = within(group).getByRole("group", { name: "Condition 3" });
    await pick(user, within(attr).getByLabelText("Field of Condition 3"), "Custom field…");
    await user.type(within(attr).getByLabelText("Custom field name of Condition 3"), "role");
    await user.type(within(attr).getByLabelText("Value of Condition 3 (Custom field…)"), "coach");
    await user.click(within(attr).getByRole("button", { name: "Not: exclude people matching Condition 3" }));

    const expected = {
      all: [
        { field: "country", op: "in", value: ["FR", "BE"] },
        { any: [{ field: "list", op: "eq", value: "news" }, { not: { field: "attributes.role:string", op: "eq", value: "coach" } }] },
      ],
    };
    await waitFor(() => expect(lastCount()?.rules).toEqual(expected));
    await waitFor(() => expect(count().textContent).toContain("90 people"));
    expect(screen.getByTestId("segment-json").textContent).toBe(JSON.stringify(expected, null, 2));

    // The root to "any".
    const root = screen.getByRole("region", { name: "Segment rules" });
    await user.click(within(root).getAllByRole("radio", { name: "any" })[0]!);
    await waitFor(() => expect(lastCount()?.rules).toEqual({ ...expected, all: undefined, any: expected.all } as unknown as RuleJson));

    // Removing the group drops its conditions from the count.
    await user.click(screen.getByRole("button", { name: "Remove Group at level 2" }));
    await waitFor(() => expect(lastCount()?.rules).toEqual({ any: [{ field: "country", op: "in", value: ["FR", "BE"] }] }));
  });

  it("stops nesting at the depth limit", async () => {
    const user = userEvent.setup({ delay: null });
    renderUi(<Harness initial={fromApi({ all: [{ any: [{ all: [{ any: [] }] }] }] }, catalogue)} />);
    const deepest = screen.getByRole("region", { name: "Group at level 4" });
    expect((within(deepest).getByRole("button", { name: "Add group to Group at level 4" }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole("button", { name: "Add group to Group at level 3" }));
    expect(screen.getAllByRole("region", { name: "Group at level 4" })).toHaveLength(2);
  });

  it("puts Herald's 422 on the row it names, and explains a timeout in plain words", async () => {
    calls.answer = (rules) => {
      const text = JSON.stringify(rules);
      if (text.includes("regex")) {
        return new Response(JSON.stringify({ detail: "invalid value for 'name' regex: nested quantifiers such as (a+)+ are not allowed", code: "invalid", field: "name" }), { status: 422 });
      }
      if (text.includes("slow")) {
        return new Response(JSON.stringify({ detail: "took longer", code: "segment_timeout" }), { status: 422 });
      }
      return 5;
    };
    const user = userEvent.setup({ delay: null });
    renderUi(
      <Harness
        initial={fromApi({ all: [{ field: "country", op: "eq", value: "FR" }, { field: "name", op: "regex", value: "(a+)+" }] }, catalogue)}
      />,
    );
    const row = screen.getByRole("group", { name: "Condition 2" });
    expect((await within(row).findByRole("alert")).textContent).toContain("nested quantifiers");
    expect(screen.getByRole("group", { name: "Condition 1" }).getAttribute("data-invalid")).toBe("false");

    await user.click(within(row).getByRole("button", { name: "Remove Condition 2" }));
    await waitFor(() => expect(count().textContent).toContain("5 people"));
    const value = screen.getByLabelText("Value of Condition 1 (Country (code))");
    await user.clear(value);
    await user.type(value, "slow");
    expect(await screen.findByText("This segment takes too long to count")).toBeTruthy();
    expect(screen.getByText(/Narrow the rules/)).toBeTruthy();
  });

  it("shows a saved segment disabled to tenant admins, with the saved count", async () => {
    renderUi(<Harness readOnly initial={fromApi({ all: [{ field: "country", op: "eq", value: "FR" }] }, catalogue)} />);
    await waitFor(() => expect(count().textContent).toContain("99 people"));
    expect((screen.getByLabelText("Value of Condition 1 (Country (code))") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole("button", { name: /Add condition/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /Remove/ })).toBeNull();
    expect(calls.counts).toHaveLength(0);
  });
});
