"""Templates in a real browser, under Herald's real Content-Security-Policy: the gallery with
rendered thumbnails, cloning a design, editing its MJML with the instant preview (mrml's
WebAssembly build) on desktop, mobile and dark, saving and reloading, a refusal from Herald
shown on its line, the unsaved-changes guard, and the visual editor (GrapesJS + grapesjs-mjml)
opening the MJML and applying it back. No CSP violation, no request beyond Herald's loopback
origin. axe-core checks the templates screen, the editor and the visual editor; a tenant admin
reads templates and changes nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.console.browser import (
    AXE,
    BLOCKING,
    SYS_EMAIL,
    LiveServer,
    assert_clean,
    csrf_token,
    new_page,
    screenshot,
    sign_in,
    strict_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

MARKER = "Herald marker 4242"
# Answers these tests provoke on purpose, which the browser logs as console errors: the
# signed-out session check (401), a refused save (422), an unknown subscriber or another
# tenant's template (404).
EXPECTED_ERRORS = ("status of 401", "status of 404", "status of 422")


async def axe(page: Any, screen: str, *, exclude: list[str] | None = None) -> None:
    """axe-core without bypassing the CSP: injected through the DevTools protocol (not a
    script tag); the email frames are content, not console UI (`iframes: false`)."""
    await page.mouse.move(1, 1)
    await screenshot(page, screen)
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text() + "\n;undefined")
    context = json.dumps({"include": [["body"]], "exclude": [[s] for s in exclude or []]})
    result = await page.evaluate(
        f"async () => (await axe.run({context}, {{resultTypes: ['violations'], iframes: false}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    blocking = [v for v in result if v["impact"] in BLOCKING]
    assert not blocking, f"{screen}: " + json.dumps(blocking, indent=1)


async def replace_source(page: Any, text: str) -> None:
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+a")
    await page.keyboard.insert_text(text)


def preview(page: Any) -> Any:
    return page.frame_locator("[data-testid=preview-frame]")


async def test_gallery_clone_edit_preview_save_and_visual_editor(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("alpha",))
    page = await strict_page(browser, live_server)
    await sign_in(page, live_server, SYS_EMAIL)
    await page.get_by_role("link", name="Templates", exact=True).click()
    await page.get_by_role("heading", name="Templates", level=1).wait_for()
    await page.get_by_text("No templates yet").wait_for()

    # The gallery: twelve designs, each thumbnail a real render in a sandboxed frame.
    cards = page.get_by_test_id("gallery-card")
    await cards.nth(11).wait_for()
    assert await cards.count() == 12
    first = page.get_by_test_id("gallery-thumbnail").first.locator("iframe")
    await first.wait_for()
    assert await first.get_attribute("sandbox") == ""
    assert "<html" in (await first.get_attribute("srcdoc") or "")
    await page.get_by_test_id("gallery-thumbnail").nth(1).locator("iframe").wait_for()
    await axe(page, "templates")

    # Use a design: the copy opens in the editor with the instant preview.
    await page.get_by_role("button", name="Use this design: Weekly Digest").click()
    await page.get_by_role("heading", name="Weekly Digest", level=1).wait_for()
    template_id = int(re.search(r"/templates/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    await preview(page).get_by_text("Final-day drama settles the league title").wait_for()
    # Merge tags show as typed in the instant preview.
    await preview(page).get_by_text("{{ tenant.name or list.name }}", exact=False).first.wait_for()
    r = await page.request.get(f"{live_server.url}/sys/newsletter/templates/{template_id}")
    original = (await r.json())["mjml"]
    edited = original.replace(
        "</mj-body>",
        f"  <mj-section><mj-column><mj-text>{MARKER}</mj-text></mj-column></mj-section>\n"
        "  </mj-body>",
    )
    await replace_source(page, edited)
    await preview(page).get_by_text(MARKER).wait_for()
    await page.get_by_test_id("unsaved").wait_for()

    # Mobile is a 375 px frame; dark mode is emulated inside the frame and said so.
    frame = page.get_by_test_id("preview-frame")
    # Desktop: the frame is laid out 680 px wide (scaled down to fit the pane, and said so).
    assert await frame.evaluate("f => f.offsetWidth") == 680
    await page.get_by_text("the email is laid out 680 px wide", exact=False).wait_for()
    await page.locator("label").filter(has_text="Mobile (375 px)").click()
    await page.locator("[data-testid=preview-frame][data-device=mobile]").wait_for()
    assert round((await frame.bounding_box())["width"]) == 375
    await page.get_by_role("switch", name="Dark mode").check()
    await page.locator("[data-testid=preview-frame][data-dark=true]").wait_for()
    assert 'content="dark"' in (await frame.get_attribute("srcdoc") or "")
    await page.get_by_text("Dark mode emulated", exact=False).wait_for()
    await axe(page, "template editor")

    # The editor is labelled; Escape then Tab leaves it (Tab alone indents). Ctrl+S saves from
    # anywhere on the screen; a reload shows the saved MJML.
    content = page.locator(".cm-content")
    assert await content.get_attribute("aria-label") == "MJML source of Weekly Digest"
    await content.click()
    await page.keyboard.press("Escape")
    await page.keyboard.press("Tab")
    assert not await page.evaluate("document.activeElement.closest('.cm-editor') !== null")
    await page.keyboard.press("Control+s")
    await page.get_by_text("“Weekly Digest” was saved.").wait_for()
    await page.get_by_test_id("unsaved").wait_for(state="detached")
    await page.reload()
    await page.get_by_role("heading", name="Weekly Digest", level=1).wait_for()
    await preview(page).get_by_text(MARKER).wait_for()
    r = await page.request.get(f"{live_server.url}/sys/newsletter/templates/{template_id}")
    assert MARKER in (await r.json())["mjml"]
    # At tablet width the preview goes under the editor and the desktop frame still fits.
    await page.set_viewport_size({"width": 800, "height": 1000})
    await page.get_by_text("the email is laid out 680 px wide", exact=False).wait_for(
        state="detached"
    )
    await preview(page).get_by_text("Final-day drama settles the league title").wait_for()
    await axe(page, "template editor (tablet)")
    await page.set_viewport_size({"width": 1280, "height": 900})

    # Herald's own preview merges the tags (a sample subscriber, or one found by address).
    await page.get_by_role("button", name="Preview with a subscriber").click()
    dialog = page.get_by_role("dialog", name="Preview with a subscriber")
    await dialog.get_by_label("Subscriber's email address").fill("nobody@example.com")
    await dialog.get_by_role("button", name="Render").click()
    await dialog.get_by_text("No subscriber has the address nobody@example.com.").wait_for()
    await dialog.get_by_label("Subscriber's email address").fill("")
    await dialog.get_by_role("button", name="Render").click()
    result = dialog.get_by_test_id("server-preview")
    await result.get_by_text("Subject:").wait_for()
    assert "{{" not in await result.get_by_text("Subject:").inner_text()
    merged = dialog.frame_locator("iframe")
    await merged.get_by_text(MARKER).wait_for()
    assert "{{" not in await merged.locator("body").inner_text()
    await axe(page, "template server preview")
    await page.keyboard.press("Escape")
    await dialog.wait_for(state="detached")

    # Herald's refusal is shown with its line and column, and the line is marked.
    await replace_source(
        page, '<mjml>\n  <mj-body>\n    <mj-include path="other.mjml" />\n  </mj-body>\n</mjml>\n'
    )
    await page.get_by_test_id("preview-problem").get_by_text("Line 3, column 5").wait_for()
    await page.get_by_role("button", name="Save").click()
    error = page.get_by_test_id("save-error")
    await error.wait_for()
    assert "mj-include" in await error.inner_text()
    assert "line 3, column 5" in (await error.inner_text()).lower()
    marked = page.locator(".cm-herald-error-line")
    await marked.wait_for()
    assert "mj-include" in await marked.inner_text()

    # Leaving with unsaved changes asks first.
    await page.get_by_role("link", name="Templates", exact=True).click()
    await page.get_by_role("dialog", name="Leave without saving?").wait_for()
    await page.get_by_role("button", name="Keep editing").click()
    assert page.url.endswith(f"/templates/{template_id}")

    # The visual editor opens the MJML (GrapesJS draws it) and applies it back.
    saved = (
        await (
            await page.request.get(f"{live_server.url}/sys/newsletter/templates/{template_id}")
        ).json()
    )["mjml"]
    await replace_source(page, saved)
    await page.get_by_role("tab", name="Visual editor").click()
    await page.get_by_test_id("visual-blocks").locator(".gjs-block").nth(3).wait_for()
    canvas = page.frame_locator(".gjs-frame")
    await canvas.get_by_text(MARKER).wait_for()
    await canvas.get_by_text("Final-day drama settles the league title").wait_for()
    assert not await canvas.get_by_text("{{ campaign.subject }}").is_visible()
    await axe(page, "template visual editor")
    await page.get_by_test_id("visual-apply").click()
    await page.get_by_text("The visual editor's MJML is in the code editor").wait_for()
    await preview(page).get_by_text(MARKER).wait_for()
    await page.keyboard.press("Control+s")
    await page.get_by_text("“Weekly Digest” was saved.").first.wait_for()
    r = await page.request.get(f"{live_server.url}/sys/newsletter/templates/{template_id}")
    applied = (await r.json())["mjml"]
    assert MARKER in applied and "<mj-head>" in applied and "mj-section" in applied
    assert applied != saved  # GrapesJS wrote it (laid out by the console), not the old text
    # Attributes written in the source survive, even when equal to MJML's own default (here
    # font-size="13px" under <mj-attributes> that makes mj-text 16px), and none are added.
    assert '<mj-text font-size="13px" color="#4B5563" align="center" padding="0 32px">' in applied
    assert f"<mj-text>{MARKER}</mj-text>" in applied
    assert 'mj-class="tag"' in applied

    # Back on the list: the template has its own thumbnail; duplicate and delete it.
    await page.get_by_role("link", name="Templates", exact=True).click()
    card = page.get_by_test_id("template-card").filter(has_text="Weekly Digest")
    await card.get_by_test_id("template-thumbnail").locator("iframe").wait_for()
    await card.get_by_role("button", name="Actions for Weekly Digest").click()
    await page.get_by_role("menuitem", name="Duplicate").click()
    await page.get_by_role("heading", name="Weekly Digest (copy)", level=1).wait_for()
    await page.get_by_role("link", name="Templates", exact=True).click()
    copy = page.get_by_test_id("template-card").filter(has_text="Weekly Digest (copy)")
    await copy.get_by_role("button", name="Actions for Weekly Digest (copy)").click()
    await page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete this template?")
    await axe(page, "template delete dialog")
    await dialog.get_by_role("button", name="Delete").click()
    await page.get_by_text("“Weekly Digest (copy)” was deleted.").wait_for()
    await copy.wait_for(state="detached")
    assert await page.get_by_test_id("template-card").count() == 1

    # Rename, with the subject line campaigns start from.
    await card.get_by_role("button", name="Actions for Weekly Digest").click()
    await page.get_by_role("menuitem", name="Rename").click()
    dialog = page.get_by_role("dialog", name="Name and subject line")
    await dialog.get_by_label("Name").fill("Club digest")
    await dialog.get_by_label("Subject").fill("This week at {{ tenant.name }}")
    await axe(page, "template details dialog")
    await dialog.get_by_role("button", name="Save").click()
    await page.get_by_test_id("template-card").filter(has_text="Club digest").wait_for()
    r = await page.request.get(f"{live_server.url}/sys/newsletter/templates/{template_id}")
    assert (await r.json())["subject"] == "This week at {{ tenant.name }}"
    await assert_clean(page, expected=EXPECTED_ERRORS)


async def test_tenant_admin_reads_templates_and_changes_nothing(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("alpha", "beta"))
    sys_page = await new_page(browser, live_server)
    await sign_in(sys_page, live_server, SYS_EMAIL)
    csrf = await csrf_token(sys_page)
    for tenant, key in (("alpha", "announcement"), ("beta", "digest")):
        r = await sys_page.request.post(
            f"{live_server.url}/sys/newsletter/templates/clone",
            data={"gallery_key": key, "tenant": tenant, "name": f"{tenant} design"},
            headers={"x-csrf-token": csrf},
        )
        assert r.status == 201, await r.text()
    alpha_id = (await r.json())["id"] - 1

    page = await strict_page(browser, live_server, width=900)
    await sign_in(page, live_server, "admin@alpha.example")
    await page.goto(f"{live_server.url}/console/templates")
    card = page.get_by_test_id("template-card")
    await card.first.wait_for()
    assert await card.count() == 1
    assert await card.first.get_by_text("alpha design").count() == 1
    await page.get_by_test_id("gallery-card").nth(11).wait_for()
    assert await page.get_by_role("button", name=re.compile("Use this design")).count() == 0
    assert await page.get_by_role("button", name="New blank template").count() == 0
    assert await page.get_by_role("button", name="Actions for alpha design").count() == 0
    await axe(page, "templates (tenant admin)")
    await card.first.get_by_role("link", name="alpha design").click()
    await page.get_by_text("You can read this template").wait_for()
    await (
        preview(page)
        .get_by_text("Hi {{ subscriber.first_name or 'there' }}", exact=False)
        .wait_for()
    )
    assert await page.get_by_role("button", name="Save").count() == 0
    assert await page.get_by_role("tab", name="Visual editor").count() == 0
    await page.locator(".cm-content").click()
    await page.keyboard.type("tenant-admin-typed")
    assert "tenant-admin-typed" not in await page.locator(".cm-content").inner_text()
    await axe(page, "template editor (tenant admin)")
    await page.goto(f"{live_server.url}/console/templates/{alpha_id + 1}")
    await page.get_by_text("We couldn't find this").wait_for()
    await assert_clean(page, expected=EXPECTED_ERRORS)
