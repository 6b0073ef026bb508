"""Organisations in a real browser: a platform operator creates one (the short name suggested
from its name), sees it flagged for its missing postal address, follows the campaign wizard's
"Add the postal address" link to it, adds the address and a time zone, and sees the flag go
and the header's switcher list it. A tenant admin sees their own organisation read-only, no
other, under Herald's real Content-Security-Policy. axe-core checks the list, the dialog, the
edit page (also at tablet width) and the read-only view."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.campaigns.support import MJML
from tests.console.browser import (
    SYS_EMAIL,
    LiveServer,
    assert_accessible,
    assert_clean,
    new_page,
    sign_in,
    strict_page,
)
from tests.console.test_browser_campaigns import api

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

NO_ADDRESS = "No postal address — campaigns can't be sent"


async def test_operator_creates_and_completes_an_organisation(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("acme",))
    page = await new_page(browser, live_server)
    await sign_in(page, live_server, SYS_EMAIL)

    await page.get_by_role("link", name="Organisations").click()
    await page.get_by_role("heading", name="Organisations", level=1).wait_for()
    acme = page.locator("tr[data-tenant=acme]")
    await acme.get_by_text("Postal address set").wait_for()
    await assert_accessible(page, "organisations")

    # New organisation: the short name follows the name until it is edited by hand; problems
    # show under their field.
    await page.get_by_role("button", name="New organisation").click()
    dialog = page.get_by_role("dialog", name="New organisation")
    await dialog.get_by_role("button", name="Create organisation").click()
    await dialog.get_by_text("Fill this in.").first.wait_for()
    assert await dialog.get_by_text("Fill this in.").count() == 2  # name and short name
    await dialog.get_by_role("textbox", name="Name", exact=True).fill("Nordic Letters")
    assert await dialog.get_by_role("textbox", name="Short name").input_value() == "nordic-letters"
    address = dialog.get_by_role("textbox", name="Postal address")
    await address.fill("1 A")
    await address.blur()
    await dialog.get_by_text("Use at least 5 characters.").wait_for()
    await assert_accessible(page, "new organisation dialog")
    await address.fill("")
    await dialog.get_by_role("button", name="Create organisation").click()
    await dialog.wait_for(state="hidden")
    await page.get_by_text("Nordic Letters created.").wait_for()
    nordic = page.locator("tr[data-tenant=nordic-letters]")
    await nordic.get_by_text(NO_ADDRESS).wait_for()
    assert await nordic.locator("td").nth(3).inner_text() == "0"

    # A draft campaign of the new organisation: its review names the missing address and links
    # to the organisation.
    r = await api(
        page,
        "POST",
        "/sys/newsletter/lists",
        {"slug": "news", "name": "News", "tenant": "nordic-letters"},
    )
    assert r["status"] == 201, r
    r = await api(
        page,
        "POST",
        "/sys/newsletter/templates",
        {"name": "Letter", "mjml": MJML, "subject": "News", "tenant": "nordic-letters"},
    )
    assert r["status"] == 201, r
    r = await api(
        page,
        "POST",
        "/sys/newsletter/campaigns",
        {
            "name": "Autumn",
            "subject": "Autumn",
            "template_id": r["body"]["id"],
            "lists": ["news"],
            "from_email": "news@herald.example",
            "tenant": "nordic-letters",
        },
    )
    assert r["status"] == 201, r
    await page.goto(f"{live_server.url}/console/campaigns/{r['body']['id']}/edit?step=review")
    problem = page.locator("[data-problem=missing_postal_address]")
    await problem.wait_for()
    await problem.get_by_role("link", name="Add the postal address").click()

    # The edit page: the missing address is said first; the time zone is searched.
    await page.wait_for_url(re.compile(r"/console/organisations/nordic-letters$"))
    await page.get_by_role("heading", name="Nordic Letters", level=1).wait_for()
    await page.get_by_text("This organisation has no postal address.").wait_for()
    assert await page.get_by_role("textbox", name="Short name").count() == 0  # the slug stays
    address = page.get_by_role("textbox", name="Postal address")
    await address.fill("Storgatan 1\n111 22 Stockholm\nSweden")
    zone = page.get_by_role("combobox", name="Time zone")
    await zone.click()
    await zone.fill("Stockh")
    await page.get_by_role("option", name="Europe/Stockholm").click()
    await page.get_by_role("textbox", name="Name", exact=True).fill("Nordic Letters AB")
    await assert_accessible(page, "organisation edit")
    await page.set_viewport_size({"width": 800, "height": 900})  # tablet
    await page.wait_for_timeout(400)
    await assert_accessible(page, "organisation edit (tablet)")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.get_by_role("button", name="Save").click()
    await page.get_by_text("Nordic Letters AB saved.").wait_for()
    await page.get_by_text("This organisation has no postal address.").wait_for(state="hidden")

    r = await api(page, "GET", "/sys/newsletter/tenants/nordic-letters")
    assert r["body"]["postal_address"] == "Storgatan 1\n111 22 Stockholm\nSweden"
    assert r["body"]["timezone"] == "Europe/Stockholm"
    assert r["body"]["name"] == "Nordic Letters AB"
    r = await api(page, "GET", "/sys/newsletter/audit?action=tenant.")
    actions = [(e["action"], e["details"]) for e in r["body"]["items"]]
    assert actions == [
        ("tenant.update", {"fields": ["name", "postal_address", "timezone"]}),
        ("tenant.create", {"slug": "nordic-letters"}),
    ]

    # The list: the flag is gone; the header's switcher lists the organisation by its new name.
    await page.get_by_role("navigation").get_by_role("link", name="Organisations").click()
    await nordic.get_by_text("Postal address set").wait_for()
    assert await nordic.get_by_text(NO_ADDRESS).count() == 0
    assert "Europe/Stockholm" in await nordic.inner_text()
    await page.get_by_role("combobox", name="Organisation", exact=True).click()
    await page.get_by_role("option", name="Nordic Letters AB").wait_for()
    await page.keyboard.press("Escape")

    # Back in the wizard, the review has no address problem any more.
    await page.go_back()
    await page.go_back()
    await page.wait_for_url(re.compile(r"step=review"))
    await page.get_by_role("heading", name="Review", level=2).wait_for()
    await page.wait_for_timeout(500)
    assert await page.locator("[data-problem=missing_postal_address]").count() == 0
    assert page.errors == []


async def test_tenant_admin_sees_own_organisation_read_only(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("acme", "other"))
    page = await new_page(browser, live_server, width=800)
    await sign_in(page, live_server, "admin@acme.example")
    await page.goto(live_server.url + "/console/organisations")
    await page.get_by_role("heading", name="Your organisation", level=1).wait_for()
    await page.get_by_text("1 Main St, Springfield").wait_for()
    await page.get_by_text("Only Herald administrators can change").wait_for()
    assert await page.get_by_role("button", name="New organisation").count() == 0
    assert await page.get_by_role("textbox").count() == 0
    await assert_accessible(page, "your organisation (tenant admin)")
    await page.goto(live_server.url + "/console/organisations/other")
    await page.get_by_text("We couldn't find this.").wait_for()
    r = await api(page, "PATCH", "/sys/newsletter/tenants/acme", {"name": "Taken over"})
    assert r["status"] == 403
    await page.context.close()

    # Under Herald's real CSP: the menu's "Your organisation", no violation, nothing remote.
    strict = await strict_page(browser, live_server)
    await sign_in(strict, live_server, "admin@acme.example")
    await strict.get_by_role("link", name="Your organisation").click()
    await strict.get_by_role("heading", name="Your organisation", level=1).wait_for()
    await strict.goto(live_server.url + "/console/organisations/acme")
    await strict.get_by_role("heading", name="Acme", level=1).wait_for()
    assert await strict.get_by_role("button", name="Save").count() == 0
    await assert_clean(strict, expected=("status of 401", "status of 404"))
    await strict.context.close()
