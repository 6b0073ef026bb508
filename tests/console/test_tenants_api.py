"""Organisations (tenants) through the API: platform operators create, read and edit them,
with every change in the audit trail; tenant admins read their own and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from herald.runtime import Runtime
from tests.conftest import make_tenant_admin

ADDRESS = "Storgatan 1\n111 22 Stockholm\nSweden"


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    r = await client.post(
        "/sys/newsletter/tenants",
        json={"slug": "nordic", "name": "Nordic", **body},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def _audit(
    client: httpx.AsyncClient, headers: dict[str, str], action: str
) -> list[dict[str, Any]]:
    r = await client.get("/sys/newsletter/audit", params={"action": action}, headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_create_read_update_with_audit(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    created = await _create(app_client, sys_headers)
    assert created["postal_address"] is None
    assert created["timezone"] == "UTC" and created["default_language"] == "en"
    assert created["lists"] == 0

    r = await app_client.post(
        "/sys/newsletter/lists",
        json={"slug": "news", "name": "News", "tenant": "nordic"},
        headers=sys_headers,
    )
    assert r.status_code == 201, r.text
    browse = (await app_client.get("/sys/newsletter/tenants", headers=sys_headers)).json()
    assert [(t["slug"], t["lists"]) for t in browse["items"]] == [("nordic", 1)]

    r = await app_client.patch(
        "/sys/newsletter/tenants/nordic",
        json={
            "name": "  Nordic Letters AB ",
            "postal_address": "Storgatan 1\r\n 111 22 Stockholm\r\n\r\nSweden ",
            "timezone": "Europe/Stockholm",
            "default_language": "sv",
        },
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["slug"] == "nordic"
    assert body["name"] == "Nordic Letters AB"
    assert body["postal_address"] == ADDRESS
    assert body["timezone"] == "Europe/Stockholm" and body["default_language"] == "sv"

    r = await app_client.get("/sys/newsletter/tenants/nordic", headers=sys_headers)
    assert r.status_code == 200 and r.json()["postal_address"] == ADDRESS

    # A change that changes nothing is not an audit entry; a real one names its fields.
    r = await app_client.patch(
        "/sys/newsletter/tenants/nordic", json={"timezone": "Europe/Stockholm"}, headers=sys_headers
    )
    assert r.status_code == 200
    created_entries = await _audit(app_client, sys_headers, "tenant.create")
    assert [(e["target_type"], e["target_id"], e["details"]) for e in created_entries] == [
        ("tenant", str(created["id"]), {"slug": "nordic"})
    ]
    updates = await _audit(app_client, sys_headers, "tenant.update")
    assert len(updates) == 1
    assert updates[0]["details"] == {
        "fields": ["default_language", "name", "postal_address", "timezone"]
    }
    assert updates[0]["tenant_id"] == created["id"]
    assert updates[0]["actor_type"] == "api_token"

    r = await app_client.get("/sys/newsletter/tenants/missing", headers=sys_headers)
    assert r.status_code == 404
    r = await app_client.patch(
        "/sys/newsletter/tenants/missing", json={"name": "X"}, headers=sys_headers
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"postal_address": ""}, "postal_address"),
        ({"postal_address": " \n \n "}, "postal_address"),
        ({"postal_address": None}, "postal_address"),
        ({"postal_address": "1 A"}, "postal_address"),
        ({"postal_address": "x" * 501}, "postal_address"),
        ({"postal_address": "\n".join(f"line {i}" for i in range(9))}, "postal_address"),
        ({"postal_address": "1 Main St\x00 Springfield"}, "postal_address"),
        ({"postal_address": "1 Main St\x1b[31m Springfield"}, "postal_address"),
        ({"postal_address": "1 Main St \u202eSpringfield"}, "postal_address"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"default_language": "de"}, "default_language"),
    ],
)
async def test_invalid_changes_are_422(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    change: dict[str, Any],
    field: str,
) -> None:
    await _create(app_client, sys_headers, postal_address="1 Main St, Springfield")
    r = await app_client.patch("/sys/newsletter/tenants/nordic", json=change, headers=sys_headers)
    assert r.status_code == 422, r.text
    assert r.json().get("field") == field, r.text
    after = (await app_client.get("/sys/newsletter/tenants/nordic", headers=sys_headers)).json()
    assert after["postal_address"] == "1 Main St, Springfield" and after["name"] == "Nordic"
    assert await _audit(app_client, sys_headers, "tenant.update") == []


async def test_create_checks_its_fields(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    for body, field in (
        ({"slug": "Bad Slug", "name": "X"}, "slug"),
        ({"slug": "ok", "name": " "}, "name"),
        ({"slug": "ok", "name": "Ok", "postal_address": "\x07bell"}, "postal_address"),
        ({"slug": "ok", "name": "Ok", "timezone": "Nowhere/Land"}, "timezone"),
    ):
        r = await app_client.post("/sys/newsletter/tenants", json=body, headers=sys_headers)
        assert r.status_code == 422, (body, r.text)
        assert r.json().get("field") == field, r.text
    # The slug is fixed: PATCH has no slug field.
    await _create(app_client, sys_headers)
    r = await app_client.patch(
        "/sys/newsletter/tenants/nordic", json={"slug": "other"}, headers=sys_headers
    )
    assert r.status_code == 422
    r = await app_client.post(
        "/sys/newsletter/tenants", json={"slug": "nordic", "name": "Again"}, headers=sys_headers
    )
    assert r.status_code == 409


async def test_tenant_admin_reads_own_and_changes_nothing(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    token = await make_tenant_admin(runtime, "acme")
    await make_tenant_admin(runtime, "other")
    admin = {"Authorization": f"Bearer {token}"}

    r = await app_client.get("/admin/newsletter/tenant", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["slug"] == "acme" and r.json()["postal_address"] == "1 Main St, Springfield"
    r = await app_client.get("/admin/newsletter/tenants/acme", headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Acme"
    # Another tenant does not exist for this admin.
    r = await app_client.get("/admin/newsletter/tenants/other", headers=admin)
    assert r.status_code == 404
    # Platform paths and every write are refused.
    for method, path, body in (
        ("GET", "/sys/newsletter/tenants", None),
        ("GET", "/sys/newsletter/tenants/acme", None),
        ("PATCH", "/sys/newsletter/tenants/acme", {"name": "Mine now"}),
        ("POST", "/sys/newsletter/tenants", {"slug": "new", "name": "New"}),
        ("PATCH", "/admin/newsletter/tenants/acme", {"name": "Mine now"}),
    ):
        r = await app_client.request(method, path, json=body, headers=admin)
        assert r.status_code in (403, 405), (method, path, r.status_code)
        if path.startswith("/sys"):
            assert r.status_code == 403, (method, path)
    # The platform's own /admin view is for tenant admins only.
    r = await app_client.get("/admin/newsletter/tenant", headers=sys_headers)
    assert r.status_code == 403
    r = await app_client.get("/sys/newsletter/tenants/acme", headers=sys_headers)
    assert r.json()["name"] == "Acme"
