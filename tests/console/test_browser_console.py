"""The console in a real browser: a platform operator signs in, creates a list, imports a CSV
(the progress bar reaches 100 %, the report names the bad row), finds a subscriber and their
history, switches language; a tenant admin sees only their tenant and can change nothing.
axe-core checks every screen on the way."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.async_api import expect

from tests.console.browser import (
    SYS_EMAIL,
    LiveServer,
    assert_accessible,
    csrf_token,
    new_page,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

CSV = (
    "email,name,language,country,plan\n"
    "ada@example.com,Ada Lovelace,en,GB,pro\n"
    "bjorn@example.org,Björn Borg,sv,SE,free\n"
    "not-an-address,Broken Row,en,,free\n"
    "chloe@example.net,Chloé Dubois,fr,FR,pro\n"
)


async def test_operator_creates_a_list_imports_and_browses(
    db_kind: str, live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    await live_server.setup()
    page = await new_page(browser, live_server)
    await page.goto(live_server.url + "/")
    await page.get_by_role("heading", name="Sign in").wait_for()
    assert page.url.endswith("/console/")
    await assert_accessible(page, "sign-in")
    await sign_in(page, live_server, SYS_EMAIL)
    await assert_accessible(page, "overview")

    # Create a list.
    await page.get_by_role("link", name="Lists").click()
    await page.get_by_role("heading", name="Lists", level=1).wait_for()
    await page.get_by_text("No lists yet").wait_for()
    await assert_accessible(page, "lists (empty)")
    await page.get_by_role("button", name="New list").first.click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("textbox", name="Name").fill("Spring Tournament News")
    assert (
        await dialog.get_by_role("textbox", name="Address").input_value()
        == "spring-tournament-news"
    )
    await assert_accessible(page, "new list dialog")
    await dialog.get_by_role("button", name="Create list").click()
    await page.get_by_role("heading", name="Spring Tournament News", level=1).wait_for()
    await assert_accessible(page, "list detail")

    # Import a CSV: file, consent attestation, progress to 100 %, report.
    await page.get_by_role("link", name="Import CSV").click()
    await page.get_by_role("heading", name=re.compile("Import subscribers")).wait_for()
    csv_file = tmp_path / "members.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    await page.locator("input[type=file]").set_input_files(str(csv_file))
    await page.get_by_text("About 4 people in the file.").wait_for()
    await assert_accessible(page, "import: file")
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Where the list comes from").fill(
        "Paper sign-up sheet, spring tournament 2026"
    )
    await page.get_by_label(re.compile("I confirm that everyone")).check()
    await assert_accessible(page, "import: consent")
    await page.get_by_role("button", name="Start import").click()
    progress = page.get_by_role("progressbar", name="Import progress")
    await progress.wait_for()
    await page.wait_for_function(
        "() => document.querySelector('[role=progressbar]')"
        "?.getAttribute('aria-valuenow') === '100'",
        timeout=60_000,
    )
    await page.get_by_text("Import finished.").wait_for()
    report = page.get_by_role("table").filter(has_text="Reason")
    await report.get_by_role("cell", name="4", exact=True).wait_for()
    await assert_accessible(page, "import: report")
    assert "100" in (await progress.get_attribute("aria-valuenow") or "")

    # The list counts the three new people; export is a download link.
    await page.get_by_role("link", name="Back to the list").click()
    await page.get_by_role("heading", name="Spring Tournament News", level=1).wait_for()
    await page.get_by_role("button", name="Export CSV").click()
    async with page.expect_download() as download:
        await page.get_by_role("menuitem", name="Subscribed people").click()
    exported = Path(await (await download.value).path()).read_text(encoding="utf-8")
    assert "ada@example.com" in exported
    assert "not-an-address" not in exported
    await page.keyboard.press("Escape")

    # Find a subscriber and open their history.
    await page.get_by_role("link", name="Subscribers", exact=True).first.click()
    await page.get_by_label("Search").fill("chloe")
    # Chloé is listed before the search applies too: wait for the filtered list, or the click
    # below may land on a row the search is replacing.
    await expect(page.get_by_role("link", name="ada@example.com")).to_have_count(0)
    await page.get_by_role("link", name="chloe@example.net").wait_for()
    await assert_accessible(page, "subscribers")
    await page.get_by_role("link", name="chloe@example.net").click()
    await page.get_by_role("heading", name="chloe@example.net", level=1).wait_for()
    await page.get_by_text(re.compile("Gave consent for spring-tournament-news")).wait_for()
    await assert_accessible(page, "subscriber detail")

    for link, heading in [
        ("Suppressions", "Suppressions"),
        ("Audit trail", "Audit trail"),
        ("Outbox", "Outbox"),
    ]:
        await page.get_by_role("link", name=link).click()
        await page.get_by_role("heading", name=heading, level=1).wait_for()
        await page.wait_for_load_state("networkidle")
        await assert_accessible(page, link)

    # Keyboard: the skip link is the first thing Tab reaches and lands on the main content.
    await page.reload()
    await page.get_by_role("heading", name="Outbox", level=1).wait_for()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement?.textContent") == "Skip to content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement?.id") == "main"

    # Language switch: Swedish everywhere, remembered for this operator.
    await page.get_by_role("button", name=re.compile("^Language")).click()
    await page.get_by_role("menuitem", name="Svenska").click()
    await page.get_by_role("link", name="Listor").wait_for()
    assert await page.evaluate("document.documentElement.lang") == "sv"
    await page.get_by_role("link", name="Översikt").click()
    await page.get_by_role("heading", name="Översikt", level=1).wait_for()
    await assert_accessible(page, "overview (sv)")
    assert page.errors == []


async def test_tenant_admin_sees_one_tenant_and_changes_nothing(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup(tenants=("alpha", "beta"))
    sys_page = await new_page(browser, live_server)
    await sign_in(sys_page, live_server, SYS_EMAIL)
    csrf = await csrf_token(sys_page)
    for tenant in ("alpha", "beta"):
        status = await sys_page.evaluate(
            """async ([tenant, csrf]) => (await fetch('/sys/newsletter/lists', {
                method: 'POST', headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
                body: JSON.stringify({slug: 'news', name: tenant + ' news', tenant})})).status""",
            [tenant, csrf],
        )
        assert status == 201

    page = await new_page(browser, live_server, width=900)  # tablet width
    await sign_in(page, live_server, "admin@alpha.example")
    await page.get_by_text("Read-only").first.wait_for()
    await assert_accessible(page, "overview (tenant admin)")
    await page.get_by_role("button", name="Show or hide the menu").click()
    await page.get_by_role("link", name="Lists").click()
    await page.get_by_role("link", name="alpha news").wait_for()
    assert await page.get_by_role("link", name="beta news").count() == 0
    assert await page.get_by_role("button", name="New list").count() == 0
    await assert_accessible(page, "lists (tenant admin)")
    await page.get_by_role("link", name="alpha news").click()
    await page.get_by_role("heading", name="alpha news", level=1).wait_for()
    assert await page.get_by_role("link", name="Import CSV").count() == 0
    assert await page.get_by_role("button", name="Edit").count() == 0
    list_url = page.url
    await page.goto(list_url + "/import")
    await page.get_by_text("This page changes data").wait_for()

    # Even a hand-made request cannot change anything.
    csrf = await csrf_token(page)
    statuses = await page.evaluate(
        """async (csrf) => Promise.all([
            fetch('/sys/newsletter/lists', {method: 'POST',
              headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
              body: JSON.stringify({slug: 'x', name: 'x'})}).then(r => r.status),
            fetch('/sys/newsletter/lists').then(r => r.status),
            fetch('/admin/newsletter/lists').then(r => r.status),
        ])""",
        csrf,
    )
    assert statuses == [403, 403, 200]
    for path, heading in [
        ("/console/subscribers", "Subscribers"),
        ("/console/audit", "Audit trail"),
    ]:
        await page.goto(live_server.url + path)
        await page.get_by_role("heading", name=heading, level=1).wait_for()
        await page.wait_for_load_state("networkidle")
        await assert_accessible(page, f"{heading} (tenant admin)")
    assert page.errors == []


async def test_two_step_sign_in_from_the_account_screen(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await live_server.setup()
    page = await new_page(browser, live_server)
    await sign_in(page, live_server, SYS_EMAIL)
    await page.get_by_role("button", name=re.compile("^Your account")).click()
    await page.get_by_role("menuitem", name="Your account").click()
    await page.get_by_role("heading", name="Your account", level=1).wait_for()
    await assert_accessible(page, "account")
    await page.get_by_role("button", name="Turn on two-step sign-in").click()
    await page.get_by_role("img", name="QR code for your authenticator app").wait_for()
    await assert_accessible(page, "two-step setup")
    totp = pyotp.TOTP((await page.locator("code").inner_text()).strip())
    await page.get_by_label("Digit 1").click()
    await page.keyboard.type(totp.now())
    await page.get_by_role("button", name="Turn on", exact=True).click()
    await page.get_by_text("Two-step sign-in is on.").wait_for()

    await page.get_by_role("button", name=re.compile("^Your account")).click()
    await page.get_by_role("menuitem", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()
    await page.get_by_label("Email address").fill(SYS_EMAIL)
    await page.locator("input[autocomplete=current-password]").fill("sys-password-123")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    await assert_accessible(page, "sign-in code")
    await page.get_by_label("Digit 1").click()
    await page.keyboard.type("000000" if totp.now() != "000000" else "111111")
    await page.get_by_role("alert").filter(has_text="code isn't right").wait_for()
    # The code of the next 30-second step: within the drift window, never used before.
    await page.get_by_label("Digit 1").click()
    await page.keyboard.type(totp.at(int(time.time()) + 30))
    # Signed in again, on the page the operator was on.
    await page.get_by_role("heading", name="Your account", level=1).wait_for()
    await page.get_by_role("button", name="Turn off two-step sign-in").wait_for()
    assert page.errors == []
