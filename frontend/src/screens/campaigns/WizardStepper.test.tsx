import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderUi } from "../../test/render";
import { timelineRows } from "./CampaignReport";
import { WizardStepper } from "./WizardStepper";
import type { Step } from "./wizard";

describe("WizardStepper", () => {
  it("marks steps with problems in words and lets the keyboard move to them", async () => {
    const onSelect = vi.fn();
    renderUi(
      <WizardStepper
        step="review"
        reachable={() => true}
        withProblems={new Set<Step>(["content"])}
        onSelect={onSelect}
      />,
    );
    const nav = screen.getByRole("navigation", { name: "Campaign steps" });
    expect(nav).toBeTruthy();
    const content = screen.getByRole("button", { name: /Content/ });
    expect(content.textContent).toContain("Needs attention");
    expect(screen.getAllByText("Needs attention")).toHaveLength(1);
    expect(screen.getByRole("button", { name: /Review/ }).getAttribute("aria-current")).toBe("step");

    content.focus();
    await userEvent.keyboard("{Enter}");
    expect(onSelect).toHaveBeenCalledWith("content");
  });

  it("does not let the operator jump to steps that need the draft first", async () => {
    const onSelect = vi.fn();
    renderUi(
      <WizardStepper step="audience" reachable={(s) => s === "audience"} withProblems={new Set()} onSelect={onSelect} />,
    );
    await userEvent.click(screen.getByRole("button", { name: /Schedule/ }));
    expect(onSelect).not.toHaveBeenCalled();
  });
});

describe("timelineRows", () => {
  it("puts opens and clicks of the same hour on one row, in order", () => {
    expect(
      timelineRows([
        { hour: "2026-06-01T13:00", kind: "click", count: 2, human: 1 },
        { hour: "2026-06-01T12:00", kind: "open", count: 5, human: 3 },
        { hour: "2026-06-01T13:00", kind: "open", count: 1, human: 1 },
      ]),
    ).toEqual([
      { hour: "2026-06-01T12:00", opens: 5, human_opens: 3, clicks: 0, human_clicks: 0 },
      { hour: "2026-06-01T13:00", opens: 1, human_opens: 1, clicks: 2, human_clicks: 1 },
    ]);
  });
});
