"""Campaign reads the console needs: the audience size of a draft, and the report and delivery
log for tenant admins (their tenant only, read-only)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from herald.runtime import Runtime
from tests.campaigns.support import bulk_audience, create_template
from tests.conftest import make_tenant_admin
from tests.test_public_flow import make_list


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"postal_address": "1 Main St, Springfield"}


async def _campaign(
    rt: Runtime, client: httpx.AsyncClient, headers: dict[str, str], tenant: str | None
) -> int:
    slug = f"news-{tenant or 'platform'}"
    made = await make_list(client, headers, slug, tenant=tenant)
    tenants = (await client.get("/sys/newsletter/tenants", headers=headers)).json()["items"]
    tenant_id = next((t["id"] for t in tenants if t["slug"] == tenant), None)
    await bulk_audience(
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
    return int(r.json()["id"])


async def test_audience_report_and_deliveries_scoped_for_tenant_admins(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    token = await make_tenant_admin(runtime, "acme")
    await make_tenant_admin(runtime, "other")
    mine = await _campaign(runtime, app_client, sys_headers, "acme")
    theirs = await _campaign(runtime, app_client, sys_headers, "other")
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
