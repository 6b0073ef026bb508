"""Segments in a real browser: a platform operator builds "country in FR, BE AND (role = … OR
on the news list)" and watches the live count change with each condition, saves, reopens; the
builder runs under Herald's real CSP without a request leaving the loopback origin; a tenant
admin sees the segment read-only. axe-core checks every screen on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.accounts import Tenant
from herald.runtime import build_runtime
from tests.conftest import SYS_PASSWORD
from tests.console.browser import (
    SYS_EMAIL,
    LiveServer,
    assert_accessible,
    assert_clean,
    csrf_token,
    new_page,
    sign_in,
    strict_page,
)
from tests.support.segments import add_list, add_subscriber

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

NAME = "Coaches in France and Belgium"


async def _seed(server: LiveServer) -> None:
    """Six people in acme (and one in beta, never counted while acme is picked)."""
    await server.setup(tenants=("acme", "beta"))
    rt = build_runtime(server.settings())
    try:
        async with transaction(rt.sessions) as s:
            ids = {r.slug: r.id for r in await s.execute(select(Tenant.slug, Tenant.id))}
            acme = ids["acme"]
            news = await add_list(s, "news", acme)
            coach, player = {"role": "coach"}, {"role": "player"}
            await add_subscriber(
                s, "fr1@example.org", tenant_id=acme, country="FR", attributes=coach
            )
            await add_subscriber(
                s, "fr2@example.org", tenant_id=acme, country="FR", lists={news.id: "active"}
            )
            await add_subscriber(
                s, "fr3@example.org", tenant_id=acme, country="FR", attributes=player
            )
            await add_subscriber(
                s,
                "be1@example.org",
                tenant_id=acme,
                country="BE",
                attributes=coach,
                lists={news.id: "active"},
            )
            await add_subscriber(
                s, "be2@example.org", tenant_id=acme, country="BE", attributes=player
            )
            await add_subscriber(
                s,
                "de1@example.org",
                tenant_id=acme,
                country="DE",
                attributes=coach,
                lists={news.id: "active"},
            )
            await add_subscriber(s, "fr9@example.net", tenant_id=ids["beta"], country="FR")
    finally:
        await rt.close()


async def _pick(page: Any, label: str, option: str) -> None:
    await page.get_by_role("combobox", name=label, exact=True).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def test_operator_builds_a_segment_and_watches_the_count(
    db_kind: str, live_server: LiveServer, browser: Any
) -> None:
    await _seed(live_server)
    page = await new_page(browser, live_server)
    await sign_in(page, live_server, SYS_EMAIL)
    await _pick(page, "Organisation", "Acme")

    await page.get_by_role("link", name="Segments").click()
    await page.get_by_role("heading", name="Segments", level=1).wait_for()
    await page.get_by_text("No segments yet").wait_for()
    await assert_accessible(page, "segments (empty)")

    await page.get_by_role("link", name="New segment").first.click()
    await page.get_by_role("heading", name="New segment", level=1).wait_for()
    count = page.get_by_test_id("segment-count")
    await expect(count).to_have_text("6 people")  # nobody filtered out yet; beta's not counted

    # country in FR, BE
    await page.get_by_role("button", name="Add condition to Segment rules").click()
    await expect(
        page.get_by_text("1 incomplete condition is left out of the count.")
    ).to_be_visible()
    await _pick(page, "Field of Condition 1", "Country (code)")
    await _pick(page, "Comparison of Condition 1", "is one of")
    await page.get_by_role(
        "combobox", name="Value of Condition 1 (Country (code))"
    ).press_sequentially("FR,BE,")
    await expect(count).to_have_text("5 people")

    # AND any(role = coach, on the news list)
    await page.get_by_role("button", name="Add group to Segment rules").click()
    group = page.get_by_role("region", name="Group at level 2")
    await expect(group.get_by_role("radio", name="any")).to_be_checked()
    await _pick(page, "Field of Condition 2", "Custom field…")
    await page.get_by_label("Custom field name of Condition 2").fill("role")
    await page.get_by_label("Value of Condition 2 (Custom field…)").fill("coach")
    await expect(count).to_have_text("2 people")  # fr1, be1
    await group.get_by_role("button", name="Add condition to Group at level 2").click()
    await _pick(page, "Field of Condition 3", "Subscribed to list")
    await _pick(page, "Value of Condition 3 (Subscribed to list)", "news (news)")
    await expect(count).to_have_text("3 people")  # + fr2
    await page.get_by_label("Value of Condition 2 (Custom field…)").fill("player")
    await expect(count).to_have_text("4 people")  # fr3, be2, fr2, be1
    sample = page.get_by_role("complementary")
    await expect(sample.get_by_role("link", name="fr2@example.org")).to_be_visible()
    await assert_accessible(page, "segment builder")

    # Switching the group to "all" (player AND on the list) matches nobody.
    await group.get_by_text("all", exact=True).click()
    await expect(count).to_have_text("0 people")
    await group.get_by_text("any", exact=True).click()
    await expect(count).to_have_text("4 people")

    await page.get_by_role("button", name="Rules as JSON (for developers)").click()
    rules = await page.get_by_test_id("segment-json").inner_text()
    assert '"attributes.role:string"' in rules and '"news"' in rules

    # Leaving with unsaved changes asks first.
    await page.get_by_role("link", name="Lists").click()
    dialog = page.get_by_role("dialog", name="Leave without saving?")
    await dialog.wait_for()
    await assert_accessible(page, "segment builder: leave dialog")
    await dialog.get_by_role("button", name="Stay").click()

    # Save needs a name; then the segment opens at its own address.
    await page.get_by_role("button", name="Create segment").click()
    await page.get_by_text("Give the segment a name.").wait_for()
    await page.get_by_label("Segment name").fill(NAME)
    await page.get_by_label("Description (optional)").fill("For the spring coaching clinic")
    await page.get_by_role("button", name="Create segment").click()
    await page.get_by_role("heading", name=NAME, level=1).wait_for()
    assert re.search(r"/console/segments/\d+$", page.url)
    segment_url = page.url

    # Reopened, the rules and the count are the same.
    await page.reload()
    await page.get_by_role("heading", name=NAME, level=1).wait_for()
    await expect(page.get_by_test_id("segment-count")).to_have_text("4 people")
    await expect(page.get_by_label("Custom field name of Condition 2")).to_have_value("role")

    # The list counts on demand.
    await page.get_by_role("link", name="Back to segments").click()
    row = page.get_by_role("row").filter(has_text=NAME)
    await expect(row).to_contain_text("For the spring coaching clinic")
    await row.get_by_role("button", name=f"Count the recipients of {NAME}").click()
    await expect(row.get_by_role("cell").nth(1)).to_have_text("4")
    await assert_accessible(page, "segments")
    await row.get_by_role("button", name=f"Actions for {NAME}").click()
    await page.get_by_role("menuitem", name="Delete segment").click()
    delete = page.get_by_role("dialog", name="Delete this segment?")
    await delete.wait_for()
    await assert_accessible(page, "segments: delete dialog")
    await delete.get_by_role("button", name="Cancel").click()

    # Duplicate opens the copy; deleting the copy (confirmed) leaves the original.
    await row.get_by_role("button", name=f"Actions for {NAME}").click()
    await page.get_by_role("menuitem", name="Duplicate").click()
    await page.get_by_role("heading", name=f"{NAME} (copy)", level=1).wait_for()
    await expect(page.get_by_test_id("segment-count")).to_have_text("4 people")
    await page.get_by_role("link", name="Back to segments").click()
    copy = page.get_by_role("row").filter(has_text=f"{NAME} (copy)")
    await copy.get_by_role("button", name=f"Actions for {NAME} (copy)").click()
    await page.get_by_role("menuitem", name="Delete segment").click()
    await delete.get_by_role("button", name="Delete segment").click()
    await page.get_by_text(f"Deleted “{NAME} (copy)”.").wait_for()
    await expect(copy).to_have_count(0)
    await expect(page.get_by_role("link", name=NAME, exact=True)).to_have_count(1)
    assert page.errors == []

    await _under_real_csp(browser, live_server, segment_url)

    # A tenant admin sees the segment, read-only.
    admin = await new_page(browser, live_server, width=800)
    await sign_in(admin, live_server, "admin@acme.example", SYS_PASSWORD)
    await admin.get_by_role("button", name="Show or hide the menu").click()
    await admin.get_by_role("link", name="Segments").click()
    await admin.get_by_role("heading", name="Segments", level=1).wait_for()
    await expect(admin.get_by_role("link", name="New segment")).to_have_count(0)
    await expect(admin.get_by_role("button", name=f"Actions for {NAME}")).to_have_count(0)
    await assert_accessible(admin, "segments (tenant admin)")
    await admin.get_by_role("link", name=NAME).click()
    await admin.get_by_role("heading", name=NAME, level=1).wait_for()
    await expect(admin.get_by_test_id("segment-count")).to_have_text("4 people")
    await expect(admin.get_by_label("Custom field name of Condition 2")).to_be_disabled()
    await expect(admin.get_by_label("Segment name")).to_be_disabled()
    await expect(admin.get_by_role("button", name=re.compile("^Add condition"))).to_have_count(0)
    await expect(admin.get_by_role("button", name="Save")).to_have_count(0)
    await admin.get_by_text("your account is read-only").wait_for()
    await assert_accessible(admin, "segment builder (tenant admin)")
    await admin.goto(live_server.url + "/console/segments/new")
    await admin.get_by_text("This page changes data").wait_for()
    # Even a hand-made request cannot change the segment.
    csrf = await csrf_token(admin)
    segment_id = segment_url.rsplit("/", 1)[1]
    statuses = await admin.evaluate(
        """async ([csrf, id]) => Promise.all([
            fetch('/sys/newsletter/segments/' + id, {method: 'PATCH',
              headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
              body: JSON.stringify({name: 'x'})}).then(r => r.status),
            fetch('/sys/newsletter/segments/count', {method: 'POST',
              headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
              body: JSON.stringify({rules: {all: []}})}).then(r => r.status),
            fetch('/admin/newsletter/segments/' + id).then(r => r.status),
        ])""",
        [csrf, segment_id],
    )
    assert statuses == [403, 403, 200]
    assert admin.errors == []


async def _under_real_csp(browser: Any, server: LiveServer, segment_url: str) -> None:
    """The builder under Herald's own Content-Security-Policy (no bypass): no violation, no
    console error, every request to Herald's loopback origin."""
    page = await strict_page(browser, server)
    await sign_in(page, server, SYS_EMAIL)
    page.console_errors.clear()  # the signed-out session check is an expected 401
    await page.goto(segment_url)
    await page.get_by_role("heading", name=NAME, level=1).wait_for()
    await expect(page.get_by_test_id("segment-count")).to_have_text(re.compile(r"\d+ people"))
    value = page.get_by_label("Value of Condition 2 (Custom field…)")
    await value.fill("coach")
    await expect(page.get_by_test_id("segment-count")).to_have_text("3 people")
    await page.wait_for_load_state("networkidle")
    await assert_clean(page, expected=())
    outside = [u for u in page.requests if not u.startswith(server.url + "/")]
    assert outside == [], outside  # this screen needs no data: or blob: URL either
    await page.context.close()
