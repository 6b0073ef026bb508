"""The suppression list through the sys API: add, look up by address, lift with a reason."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.compliance import AuditEntry
from herald.runtime import Runtime
from tests.test_public_flow import make_list


async def test_add_lookup_lift(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    await make_list(app_client, sys_headers)
    r = await app_client.post(
        "/sys/newsletter/suppressions",
        json={"email": "Spam.Trap@Example.com", "note": "ticket 12"},
        headers=sys_headers,
    )
    assert r.status_code == 201, r.text
    entry = r.json()
    assert (entry["reason"], entry["stream"]) == ("manual", "all")
    assert "spam.trap" not in str(entry)  # only the keyed hash is stored
    # Adding again is idempotent.
    again = await app_client.post(
        "/sys/newsletter/suppressions", json={"email": "spam.trap@example.com"}, headers=sys_headers
    )
    assert again.json()["id"] == entry["id"]
    r = await app_client.get(
        "/sys/newsletter/suppressions",
        params={"email": "SPAM.TRAP@example.com"},
        headers=sys_headers,
    )
    assert [i["id"] for i in r.json()["items"]] == [entry["id"]]
    # A suppressed address cannot subscribe (answered as usual, nothing stored).
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "spam.trap@example.com", "list": "news"}
    )
    assert r.status_code == 202
    r = await app_client.get(
        "/sys/newsletter/subscribers",
        params={"email": "spam.trap@example.com"},
        headers=sys_headers,
    )
    assert r.json()["items"] == []
    r = await app_client.post(
        f"/sys/newsletter/suppressions/{entry['id']}/lift", json={}, headers=sys_headers
    )
    assert r.status_code == 422
    r = await app_client.post(
        f"/sys/newsletter/suppressions/{entry['id']}/lift",
        json={"reason": "address verified by support"},
        headers=sys_headers,
    )
    assert r.status_code == 204
    r = await app_client.get("/sys/newsletter/suppressions", headers=sys_headers)
    assert r.json()["items"] == []
    async with transaction(runtime.sessions) as s:
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
    assert "newsletter.suppression" in actions
    assert "newsletter.suppression_lifted" in actions
    r = await app_client.post(
        f"/sys/newsletter/suppressions/{entry['id']}/lift",
        json={"reason": "twice"},
        headers=sys_headers,
    )
    assert r.status_code == 404
    r = await app_client.post(
        "/sys/newsletter/suppressions", json={"email": "nope"}, headers=sys_headers
    )
    assert r.status_code == 422
