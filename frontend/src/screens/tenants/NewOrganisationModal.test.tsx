import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderUi } from "../../test/render";
import { NewOrganisationModal } from "./NewOrganisationModal";

// jsdom has no FontFaceSet; Mantine's autosizing textarea listens to it.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => undefined, removeEventListener: () => undefined, ready: Promise.resolve() },
  });
}

describe("NewOrganisationModal", () => {
  it("suggests the short name from the name until it is edited, and says what is missing", async () => {
    const user = userEvent.setup();
    renderUi(<NewOrganisationModal opened onClose={() => {}} />);
    await user.click(await screen.findByRole("button", { name: "Create organisation" }));
    expect(await screen.findAllByText("Fill this in.")).toHaveLength(2);
    const name = screen.getByRole("textbox", { name: /^Name/ });
    const slug = screen.getByRole("textbox", { name: /^Short name/ });
    await user.type(name, "Nordic Letters");
    expect(slug).toHaveProperty("value", "nordic-letters");
    expect(screen.queryByText("Fill this in.")).toBeNull();
    await user.clear(slug);
    await user.type(slug, "nordic");
    await user.type(name, " AB");
    expect(slug).toHaveProperty("value", "nordic");
    await user.type(screen.getByRole("textbox", { name: /^Postal address/ }), "1 A");
    await user.tab();
    expect(await screen.findByText("Use at least 5 characters.")).toBeTruthy();
  }, 20_000);
});
