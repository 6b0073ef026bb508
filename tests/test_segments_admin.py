"""Tenant admins read segments under /admin/newsletter/segments: their tenant's saved segments,
the field catalogue (without platform-only fields) and saved counts; another tenant's segment
is 404 and every write is 403. Platform operators narrow the list to one tenant."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.accounts import Tenant
from herald.runtime import Runtime
from tests.conftest import make_tenant_admin
from tests.support.segments import add_list, add_subscriber

FRANCE: dict[str, Any] = {"all": [{"field": "country", "op": "eq", "value": "FR"}]}


async def _seed(runtime: Runtime, app: httpx.AsyncClient, sys: dict[str, str]) -> dict[str, Any]:
    alpha = await make_tenant_admin(runtime, "alpha")
    await make_tenant_admin(runtime, "beta")
    async with transaction(runtime.sessions) as s:
        rows = await s.execute(select(Tenant.slug, Tenant.id))
        ids: dict[str, int] = {row.slug: row.id for row in rows}
        news = await add_list(s, "news", ids["alpha"])
        await add_subscriber(s, "a@x.example", tenant_id=ids["alpha"], country="FR")
        await add_subscriber(
            s, "b@x.example", tenant_id=ids["alpha"], country="FR", lists={news.id: "active"}
        )
        await add_subscriber(s, "c@x.example", tenant_id=ids["alpha"], country="DE")
        await add_subscriber(s, "d@y.example", tenant_id=ids["beta"], country="FR")
    made = {}
    for slug in ("alpha", "beta"):
        r = await app.post(
            "/sys/newsletter/segments",
            json={"name": "France", "rules": FRANCE, "tenant": slug},
            headers=sys,
        )
        assert r.status_code == 201, r.text
        made[slug] = r.json()["id"]
    return {"token": alpha, **made}


async def test_tenant_admin_reads_own_segments_only(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    seeded = await _seed(runtime, app_client, sys_headers)
    admin = {"Authorization": f"Bearer {seeded['token']}"}
    base = "/admin/newsletter/segments"

    r = await app_client.get(base, headers=admin, params={"tenant": "beta"})
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [seeded["alpha"]]

    r = await app_client.get(f"{base}/{seeded['alpha']}", headers=admin)
    assert r.status_code == 200
    assert r.json()["rules"] == FRANCE
    assert r.json()["tenant"] == "alpha"
    r = await app_client.get(f"{base}/{seeded['alpha']}/count", headers=admin)
    assert r.status_code == 200
    assert r.json()["count"] == 2
    assert {s["email"] for s in r.json()["sample"]} == {"a@x.example", "b@x.example"}

    # Another tenant's segment does not exist for this admin.
    assert (await app_client.get(f"{base}/{seeded['beta']}", headers=admin)).status_code == 404
    r = await app_client.get(f"{base}/{seeded['beta']}/count", headers=admin)
    assert r.status_code == 404

    # The catalogue leaves out platform-only fields.
    r = await app_client.get(f"{base}/fields", headers=admin)
    assert r.status_code == 200
    fields = {i["field"] for i in r.json()["items"]}
    assert "country" in fields and "list" in fields and "tenant" not in fields

    # No writes and no ad-hoc counts, under either prefix.
    sys_base = "/sys/newsletter/segments"
    for method, path, body in [
        ("POST", sys_base, {"name": "Mine", "rules": FRANCE}),
        ("PATCH", f"{sys_base}/{seeded['alpha']}", {"name": "Renamed"}),
        ("DELETE", f"{sys_base}/{seeded['alpha']}", None),
        ("POST", f"{sys_base}/count", {"rules": FRANCE}),
        ("GET", sys_base, None),
        ("GET", f"{sys_base}/{seeded['alpha']}", None),
    ]:
        r = await app_client.request(method, path, json=body, headers=admin)
        assert r.status_code == 403, (method, path, r.status_code)
    for method, path in [
        ("POST", base),
        ("PATCH", f"{base}/{seeded['alpha']}"),
        ("DELETE", f"{base}/{seeded['alpha']}"),
        ("POST", f"{base}/count"),
    ]:
        r = await app_client.request(method, path, json={"rules": FRANCE}, headers=admin)
        assert r.status_code in (404, 405), (method, path, r.status_code)
    r = await app_client.get(f"{sys_base}/{seeded['alpha']}", headers=sys_headers)
    assert r.json()["name"] == "France"


async def test_sys_lists_segments_of_one_tenant(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    seeded = await _seed(runtime, app_client, sys_headers)
    base = "/sys/newsletter/segments"
    r = await app_client.get(base, headers=sys_headers)
    assert [i["id"] for i in r.json()["items"]] == [seeded["alpha"], seeded["beta"]]
    assert [i["tenant"] for i in r.json()["items"]] == ["alpha", "beta"]
    r = await app_client.get(base, headers=sys_headers, params={"tenant": "beta"})
    assert [i["id"] for i in r.json()["items"]] == [seeded["beta"]]
    r = await app_client.post(
        base, json={"name": "Everyone", "rules": {"all": []}}, headers=sys_headers
    )
    assert r.status_code == 201 and r.json()["tenant"] is None
    r = await app_client.get(base, headers=sys_headers, params={"tenant": "nope"})
    assert r.status_code == 404
    r = await app_client.get(f"{base}/fields", headers=sys_headers)
    assert "tenant" in {i["field"] for i in r.json()["items"]}
