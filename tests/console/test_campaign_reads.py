"""Campaign reads the console needs: the audience size of a draft, and the report and delivery
log for tenant admins (their tenant only, read-only)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from herald.kit import clock
from herald.kit.db import transaction
from herald.models.campaigns import Delivery
from herald.models.tracking import TrackingEvent
from herald.runtime import Runtime
from tests.campaigns.support import bulk_audience, create_template
from tests.conftest import make_tenant_admin
from tests.test_public_flow import make_list


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"postal_address": "1 Main St, Springfield"}


async def _campaign(
    rt: Runtime, client: httpx.AsyncClient, headers: dict[str, str], tenant: str | None
) -> tuple[int, dict[str, int]]:
    slug = f"news-{tenant or 'platform'}"
    made = await make_list(client, headers, slug, tenant=tenant)
    tenants = (await client.get("/sys/newsletter/tenants", headers=headers)).json()["items"]
    tenant_id = next((t["id"] for t in tenants if t["slug"] == tenant), None)
    audience = await bulk_audience(
        rt,
        {slug: int(str(made["id"]))},
        {f"a@{slug}.net": [slug], f"b@{slug}.net": [slug]},
        tenant_id=int(str(tenant_id)) if tenant_id else None,
    )
    template_id = await create_template(client, headers)
    r = await client.post(
        "/sys/newsletter/campaigns",
        json={
            "name": f"Spring {slug}",
            "subject": "Spring",
            "template_id": template_id,
            "lists": [slug],
            "from_email": "news@herald.example",
            "tenant": tenant,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), audience.subscribers


async def test_audience_report_and_deliveries_scoped_for_tenant_admins(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    token = await make_tenant_admin(runtime, "acme")
    await make_tenant_admin(runtime, "other")
    mine, _ = await _campaign(runtime, app_client, sys_headers, "acme")
    theirs, _ = await _campaign(runtime, app_client, sys_headers, "other")
    admin = {"Authorization": f"Bearer {token}"}

    r = await app_client.get(f"/sys/newsletter/campaigns/{mine}/audience", headers=sys_headers)
    assert r.status_code == 200
    assert r.json() == {"count": 2}

    for path in ("audience", "report", "deliveries"):
        r = await app_client.get(f"/admin/newsletter/campaigns/{mine}/{path}", headers=admin)
        assert r.status_code == 200, (path, r.text)
        # Another tenant's campaign does not exist for this admin.
        r = await app_client.get(f"/admin/newsletter/campaigns/{theirs}/{path}", headers=admin)
        assert r.status_code == 404, path
        # The /sys path stays for platform operators.
        r = await app_client.get(f"/sys/newsletter/campaigns/{mine}/{path}", headers=admin)
        assert r.status_code == 403, path
    report = await app_client.get(f"/admin/newsletter/campaigns/{mine}/report", headers=admin)
    body = report.json()
    assert body["id"] == mine and body["status"] == "draft"
    assert body["stats"]["recipients"] == 0 and body["links"] == [] and body["timeline"] == []
    r = await app_client.get(f"/admin/newsletter/campaigns/{mine}/deliveries", headers=admin)
    assert r.json() == {"items": [], "next_cursor": None}
    # The list carries each campaign's figures (drafts have none yet); admins see theirs only.
    r = await app_client.get("/admin/newsletter/campaigns", headers=admin)
    assert [c["id"] for c in r.json()["items"]] == [mine]
    assert r.json()["items"][0]["stats"] == {
        "recipients": 0,
        "sent": 0,
        "failed": 0,
        "skipped": 0,
        "queued": 0,
        "opens": 0,
        "clicks": 0,
    }
    # Writes stay refused.
    r = await app_client.post(f"/sys/newsletter/campaigns/{mine}/retry-failed", headers=admin)
    assert r.status_code == 403
    r = await app_client.post(f"/admin/newsletter/campaigns/{mine}/retry-failed", headers=admin)
    assert r.status_code in (404, 405)


async def test_list_figures_count_deliveries_and_unique_opens_and_clicks(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_tenant_admin(runtime, "acme")
    campaign, people = await _campaign(runtime, app_client, sys_headers, "acme")
    other, _ = await _campaign(runtime, app_client, sys_headers, None)
    a, b = people["a@news-acme.net"], people["b@news-acme.net"]
    now = clock.now()
    async with transaction(runtime.sessions) as s:
        s.add_all(
            [
                Delivery(campaign_id=campaign, subscriber_id=a, status="sent", due_at=now),
                Delivery(campaign_id=campaign, subscriber_id=b, status="failed", due_at=now),
            ]
        )
        for kind, machine in (("open", True), ("open", False), ("click", False)):
            s.add(
                TrackingEvent(
                    campaign_id=campaign,
                    subscriber_id=a,
                    kind=kind,
                    machine=machine,
                    occurred_at=now,
                )
            )
    r = await app_client.get("/sys/newsletter/campaigns", headers=sys_headers)
    figures = {c["id"]: c["stats"] for c in r.json()["items"]}
    assert figures[campaign] == {
        "recipients": 2,
        "sent": 1,
        "failed": 1,
        "skipped": 0,
        "queued": 0,
        "opens": 1,
        "clicks": 1,
    }
    assert figures[other]["recipients"] == 0
    r = await app_client.get(
        f"/sys/newsletter/campaigns/{campaign}/deliveries",
        params={"status": "failed"},
        headers=sys_headers,
    )
    assert [d["email"] for d in r.json()["items"]] == ["b@news-acme.net"]
    report = (
        await app_client.get(f"/sys/newsletter/campaigns/{campaign}/report", headers=sys_headers)
    ).json()
    assert report["stats"]["human_opens"] == 1
    assert sum(h["count"] for h in report["timeline"] if h["kind"] == "open") == 2
