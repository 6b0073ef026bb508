"""/sys/newsletter/overview: the dashboard's figures, per scope and per tenant."""

from __future__ import annotations

import httpx

from herald.runtime import Runtime
from tests.conftest import make_tenant_admin


async def test_overview_counts_statuses_growth_and_lists(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    admin = await make_tenant_admin(runtime, "acme")
    for slug, tenant in (("news", "acme"), ("platform", None)):
        r = await app_client.post(
            "/sys/newsletter/lists",
            json={"slug": slug, "name": slug.title(), "tenant": tenant},
            headers=sys_headers,
        )
        assert r.status_code == 201
    for i, (slug, tenant) in enumerate([("news", "acme"), ("news", "acme"), ("platform", None)]):
        r = await app_client.post(
            "/sys/newsletter/subscribers",
            json={
                "email": f"p{i}@example.com",
                "lists": [slug],
                "tenant": tenant,
                "status": "active",
                "consent_source": "test",
            },
            headers=sys_headers,
        )
        assert r.status_code == 201, r.text

    r = await app_client.get("/sys/newsletter/overview", headers=sys_headers)
    assert r.status_code == 200
    body = r.json()
    assert body["statuses"] == {"active": 3}
    assert body["lists"] == 2
    assert len(body["days"]) == body["window_days"] == 30
    assert sum(d["joined"] for d in body["days"]) == 3
    assert body["start_total"] == 0
    assert (body["sent"], body["bounced"], body["complained"]) == (0, 0, 0)

    r = await app_client.get(
        "/sys/newsletter/overview", params={"tenant": "acme", "days": 7}, headers=sys_headers
    )
    assert r.json()["statuses"] == {"active": 2}
    assert len(r.json()["days"]) == 7
    # A tenant admin's overview is their tenant's, whatever they ask for.
    h = {"Authorization": f"Bearer {admin}"}
    r = await app_client.get("/admin/newsletter/overview", params={"tenant": "x"}, headers=h)
    assert r.json()["statuses"] == {"active": 2}
    assert r.json()["lists"] == 1
    assert (await app_client.get("/sys/newsletter/overview", headers=h)).status_code == 403
