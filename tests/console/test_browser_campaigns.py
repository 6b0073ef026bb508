"""Campaigns in a real browser: a platform operator runs the wizard (audience, content,
settings, a review that shows an unverified sender domain beside its field, a test send that
lands in the outbox, scheduling), watches the campaign send to the capture outbox at a low
throttle, pauses and resumes it, and sees it sent with one copy per recipient and the report's
figures. A tenant admin sees the campaign read-only, under Herald's real Content-Security-Policy.
axe-core checks the list, every wizard step, the confirmation and the campaign page."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.campaigns.support import MJML
from tests.conftest import SYS_PASSWORD
from tests.console.browser import (
    SYS_EMAIL,
    LiveServer,
    assert_accessible,
    assert_clean,
    new_page,
    sign_in,
    strict_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

RECIPIENTS = ["ada@example.com", "bjorn@example.org", "chloe@example.net"]
NAME = "Spring tournament"


async def api(page: Any, method: str, path: str, body: Any = None) -> Any:
    """A request from the signed-in page (cookie + CSRF token), as the console makes them."""
    return await page.evaluate(
        """async ([method, path, body]) => {
            const csrf = (await (await fetch('/console/api/session')).json()).csrf_token;
            const r = await fetch(path, {method, headers: {'content-type': 'application/json',
              'x-csrf-token': csrf}, body: body === null ? undefined : JSON.stringify(body)});
            return {status: r.status, body: await r.json().catch(() => null)};
        }""",
        [method, path, body],
    )


async def outbox(page: Any) -> list[dict[str, Any]]:
    r = await api(page, "GET", "/sys/newsletter/outbox?limit=200")
    assert r["status"] == 200, r
    items: list[dict[str, Any]] = r["body"]["items"]
    return items


def campaign_copies(items: list[dict[str, Any]]) -> list[str]:
    return sorted(
        m["recipient"]
        for m in items
        if m["recipient"] in RECIPIENTS and not m["subject"].startswith("[Test]")
    )


async def test_operator_runs_the_wizard_sends_pauses_and_resumes(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("acme",))  # acme has a postal address
    page = await new_page(browser, live_server)
    await sign_in(page, live_server, SYS_EMAIL)

    # What validation needs: a list with subscribed people and a template of the tenant.
    r = await api(
        page,
        "POST",
        "/sys/newsletter/lists",
        {"slug": "news", "name": "Acme news", "tenant": "acme"},
    )
    assert r["status"] == 201, r
    for email in RECIPIENTS:
        r = await api(
            page,
            "POST",
            "/sys/newsletter/subscribers",
            {
                "email": email,
                "lists": ["news"],
                "tenant": "acme",
                "status": "active",
                "consent_source": "test",
            },
        )
        assert r["status"] == 201, r
    r = await api(
        page,
        "POST",
        "/sys/newsletter/templates",
        {"name": "Spring letter", "mjml": MJML, "subject": "Spring news", "tenant": "acme"},
    )
    assert r["status"] == 201, r

    # The header's tenant is remembered in the browser.
    await page.evaluate("localStorage.setItem('herald.console.tenant', 'acme')")
    await page.goto(live_server.url + "/console/campaigns")
    await page.get_by_role("heading", name="Campaigns", level=1).wait_for()
    await page.get_by_text("No campaigns yet").wait_for()
    await assert_accessible(page, "campaigns (empty)")

    # Audience.
    await page.get_by_role("link", name="New campaign").first.click()
    await page.get_by_role("heading", name="Audience", level=2).wait_for()
    next_button = page.get_by_role("button", name="Save draft and continue")
    await next_button.click()  # nothing filled in: the step says what is missing
    await page.get_by_text("Give the campaign a name.").wait_for()
    await page.get_by_text("Choose at least one list or a segment.").wait_for()
    await page.get_by_label("Campaign name").fill(NAME)
    await page.get_by_role("checkbox", name=re.compile("Acme news")).check()
    await page.get_by_text("Up to 3 people").wait_for()
    await assert_accessible(page, "campaign wizard: audience")
    await next_button.click()

    # Content: the draft exists now; the tenant's template is chosen and previewed.
    await page.get_by_role("heading", name="Content", level=2).wait_for()
    await page.wait_for_url(re.compile(r"/campaigns/\d+/edit\?step=content"))
    campaign_id = int(re.search(r"/campaigns/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    assert await page.get_by_role("radio", name="Spring letter").is_checked()
    await page.get_by_title("Preview of the email").wait_for()
    assert await page.get_by_label("Subject line").input_value() == "Spring news"
    sender = page.get_by_role("textbox", name=re.compile("Sender address"))
    await sender.fill("news@unverified.example")
    await page.get_by_label("Sender name").fill("Acme")
    await assert_accessible(page, "campaign wizard: content")
    await page.set_viewport_size({"width": 800, "height": 900})  # tablet
    await page.wait_for_timeout(500)  # the menu collapses
    await assert_accessible(page, "campaign wizard: content (tablet)")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.get_by_role("button", name="Continue").click()

    # Settings: a low throttle (one message every five seconds) so the send is still under
    # way when we pause it; quiet hours overridden so the time of day cannot hold mail back
    # (signing in counts as a fresh authentication, so no password is asked).
    await page.get_by_role("heading", name="Settings", level=2).wait_for()
    await page.get_by_role("textbox", name=re.compile("Sending speed")).fill("720")
    quiet = page.get_by_role("switch", name=re.compile("Send during quiet hours"))
    await quiet.click()  # saved at once (the switch follows Herald's answer)
    await page.wait_for_function(
        "() => document.querySelector('[role=switch]')?.checked === true"
        " && !document.querySelector('[role=switch]')?.disabled"
    )
    await assert_accessible(page, "campaign wizard: settings")
    await page.get_by_role("button", name="Continue").click()

    # Review: Herald's validation finds the unverified sender domain; the content step is
    # marked and the problem links back to it.
    await page.get_by_role("heading", name="Review", level=2).wait_for()
    problem = "The sender domain unverified.example is not verified"
    await page.get_by_text(problem).wait_for()
    await page.get_by_text("1 thing to fix before sending").wait_for()
    await page.locator("[data-step=content][data-problem]").wait_for()
    summary = page.get_by_role("table")
    assert "Acme <news@unverified.example>" in await summary.inner_text()
    assert "720" in await summary.inner_text()
    await assert_accessible(page, "campaign wizard: review with a problem")
    await page.get_by_role("button", name="Fix in Content").click()
    await page.get_by_role("heading", name="Content", level=2).wait_for()
    await page.get_by_text(problem).wait_for()  # inline, under the field
    assert await sender.get_attribute("aria-invalid") == "true"
    await sender.fill("news@herald.example")  # the instance's own, verified, domain
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("heading", name="Settings", level=2).wait_for()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_text("Ready to send").wait_for()
    assert await page.locator("[data-problem]").count() == 0
    await assert_accessible(page, "campaign wizard: review, ready")

    # Test send: a [Test] copy lands in the capture outbox.
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("heading", name="Test send", level=2).wait_for()
    await page.get_by_label("Send test to").fill("tester@example.com")
    await page.get_by_role("button", name="Send test").click()
    await page.get_by_text("tester@example.com: accepted").wait_for()
    await page.get_by_role("link", name="Open the outbox to see it").wait_for()
    await assert_accessible(page, "campaign wizard: test send")
    tests = [m for m in await outbox(page) if m["recipient"] == "tester@example.com"]
    assert [m["subject"] for m in tests] == ["[Test] Spring news"]

    # Schedule (send now), confirmed in a dialog.
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("heading", name="Schedule", level=2).wait_for()
    await page.get_by_text("will go to 3 people").wait_for()
    await assert_accessible(page, "campaign wizard: schedule")
    await page.get_by_role("button", name="Send campaign").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_text("goes to 3 people").wait_for()
    await assert_accessible(page, "campaign wizard: confirm sending")
    await dialog.get_by_role("button", name="Send campaign").click()

    # The campaign page follows the send; pause it while it is under way.
    await page.get_by_role("heading", name=NAME, level=1, exact=True).wait_for()
    assert page.url.endswith(f"/campaigns/{campaign_id}")
    await page.get_by_role("button", name="Pause").click()
    badge = page.locator(".mantine-Badge-root")
    await badge.filter(has_text=re.compile("^Paused$")).wait_for()
    await page.get_by_role("button", name="Resume").wait_for()
    held = campaign_copies(await outbox(page))
    assert len(held) < len(RECIPIENTS), held
    await assert_accessible(page, "campaign (paused)")
    await asyncio.sleep(6)  # longer than the throttle's interval: nothing more goes out
    assert campaign_copies(await outbox(page)) == held

    await page.get_by_role("button", name="Resume").click()
    await page.get_by_role("progressbar", name="Sending progress").wait_for()
    await badge.filter(has_text=re.compile("^Sent$")).wait_for(timeout=45_000)
    assert campaign_copies(await outbox(page)) == sorted(RECIPIENTS)  # one copy each
    await page.get_by_text("3 of 3 handled").wait_for()
    await page.get_by_text("3 delivered").wait_for()  # the report's Sent figure
    await page.get_by_role("heading", name="Who did not get it, and why").wait_for()
    await page.get_by_text("Nobody in this group.").wait_for()  # no failures
    assert await page.get_by_role("button", name="Pause").count() == 0
    await page.wait_for_load_state("networkidle")
    await assert_accessible(page, "campaign (sent)")

    await page.get_by_role("link", name="Campaigns").first.click()
    row = page.get_by_role("row", name=re.compile(NAME))
    await row.wait_for()
    assert "Sent" in await row.inner_text()
    await assert_accessible(page, "campaigns")
    await page.set_viewport_size({"width": 800, "height": 900})
    await page.wait_for_timeout(500)
    await assert_accessible(page, "campaigns (tablet)")
    assert page.errors == []

    # Under Herald's real CSP (no bypass): a platform operator's draft with its preview frame,
    # and a tenant admin's read-only view of the campaign.
    r = await api(
        page,
        "POST",
        "/sys/newsletter/campaigns",
        {
            "name": "Summer",
            "subject": "Summer news",
            "template_id": (await api(page, "GET", "/sys/newsletter/templates"))["body"]["items"][
                0
            ]["id"],
            "lists": ["news"],
            "from_email": "news@herald.example",
            "tenant": "acme",
            "send_time_optimization": False,
        },
    )
    assert r["status"] == 201, r
    draft_id = r["body"]["id"]

    strict = await strict_page(browser, live_server)
    await sign_in(strict, live_server, SYS_EMAIL)
    await strict.goto(f"{live_server.url}/console/campaigns/{draft_id}/edit?step=content")
    frame = strict.frame_locator("iframe[title='Preview of the email']")
    await frame.get_by_text("Read more").wait_for()
    await strict.goto(f"{live_server.url}/console/campaigns/{campaign_id}")
    await strict.get_by_text("3 delivered").wait_for()
    await assert_clean(strict)
    await strict.context.close()

    admin = await strict_page(browser, live_server, width=900)
    await sign_in(admin, live_server, "admin@acme.example", SYS_PASSWORD)
    await admin.goto(live_server.url + "/console/campaigns")
    await admin.get_by_role("link", name=NAME).click()
    await admin.get_by_role("heading", name=NAME, level=1, exact=True).wait_for()
    await admin.get_by_text("3 delivered").wait_for()
    for action in ("Pause", "Resume", "Cancel campaign", "Back to draft"):
        assert await admin.get_by_role("button", name=action).count() == 0
    assert await admin.get_by_role("button", name=re.compile("Retry")).count() == 0
    await admin.goto(live_server.url + "/console/campaigns")
    await admin.get_by_role("link", name=NAME).wait_for()
    assert await admin.get_by_role("link", name="New campaign").count() == 0
    # The draft opens as a page (not the wizard) for them.
    await admin.get_by_role("link", name="Summer").click()
    await admin.get_by_text("This campaign is a draft").wait_for()
    assert await admin.get_by_role("link", name="Edit draft").count() == 0
    await admin.goto(live_server.url + "/console/campaigns/new")
    await admin.get_by_text("This page changes data").wait_for()
    await assert_clean(admin)
    await admin.context.close()
