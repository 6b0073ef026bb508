"""Tenant isolation: a tenant admin's token never sees another tenant's data."""

from __future__ import annotations

import httpx

from herald.runtime import Runtime
from tests.conftest import make_tenant_admin


async def test_tenant_admin_sees_only_its_tenant(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    token_a = await make_tenant_admin(runtime, "alpha")
    token_b = await make_tenant_admin(runtime, "beta")
    ha = {"Authorization": f"Bearer {token_a}"}
    hb = {"Authorization": f"Bearer {token_b}"}
    lists = {}
    for tenant in ("alpha", "beta"):
        r = await app_client.post(
            "/sys/newsletter/lists",
            json={
                "slug": "news",
                "name": f"{tenant} news",
                "tenant": tenant,
                "double_opt_in": False,
            },
            headers=sys_headers,
        )
        assert r.status_code == 201
        assert r.json()["tenant"] == tenant
        lists[tenant] = r.json()["id"]
        r = await app_client.post(
            "/public/newsletter/subscribe",
            json={"email": f"reader@{tenant}.example", "list": "news", "tenant": tenant},
        )
        assert r.status_code == 202
    # The same slug in two tenants is ambiguous without a tenant.
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "x@example.com", "list": "news"}
    )
    assert r.status_code == 422
    assert "ambiguous" in r.json()["detail"]

    r = await app_client.get("/admin/newsletter/lists", headers=ha)
    assert r.status_code == 200
    assert [item["id"] for item in r.json()["items"]] == [lists["alpha"]]
    assert r.json()["items"][0]["counts"] == {"active": 1}
    r = await app_client.get(f"/admin/newsletter/lists/{lists['alpha']}/subscribers", headers=ha)
    assert [s["email"] for s in r.json()["items"]] == ["reader@alpha.example"]
    # Another tenant's list is a 404, never a 403 (no existence oracle).
    r = await app_client.get(f"/admin/newsletter/lists/{lists['beta']}/subscribers", headers=ha)
    assert r.status_code == 404
    r = await app_client.get(f"/admin/newsletter/lists/{lists['alpha']}/subscribers", headers=hb)
    assert r.status_code == 404
    # Tenant admins are read-only and have no business on the platform API.
    for method, path in [
        ("GET", "/sys/newsletter/lists"),
        ("GET", "/sys/newsletter/subscribers"),
        ("POST", "/sys/newsletter/lists"),
        ("GET", f"/sys/newsletter/lists/{lists['alpha']}"),
    ]:
        r = await app_client.request(method, path, headers=ha, json={"slug": "x", "name": "x"})
        assert r.status_code == 403, (method, path)
    # The sys operator sees both.
    r = await app_client.get("/sys/newsletter/lists", headers=sys_headers)
    assert {i["id"] for i in r.json()["items"]} == set(lists.values())


async def test_admin_views_need_a_tenant_context(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.get("/admin/newsletter/lists", headers=sys_headers)
    assert r.status_code == 403
    r = await app_client.get("/admin/newsletter/lists")
    assert r.status_code == 401
    r = await app_client.get(
        "/admin/newsletter/lists", headers={"Authorization": "Bearer hrld_forged"}
    )
    assert r.status_code == 401


async def test_keyset_pagination(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    for i in range(7):
        r = await app_client.post(
            "/sys/newsletter/lists", json={"slug": f"l{i}", "name": f"L{i}"}, headers=sys_headers
        )
        assert r.status_code == 201
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = await app_client.get("/sys/newsletter/lists", params=params, headers=sys_headers)
        body = r.json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7
    assert seen == sorted(seen)
    r = await app_client.get("/sys/newsletter/lists", params={"cursor": "!!!"}, headers=sys_headers)
    assert r.status_code == 422
