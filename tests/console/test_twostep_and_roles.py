"""TOTP sign-in (wrong and replayed codes), fresh authentication for sensitive actions, and
tenant admins' read-only, single-tenant view through a console session."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from herald.accounts import totp
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.accounts import Operator
from herald.runtime import Runtime
from tests.campaigns.test_campaign_api import setup_campaign
from tests.conftest import SYS_PASSWORD
from tests.console.support import EMAIL, make_sys_operator, make_tenant_operator, sign_in


def code(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_for(secret, totp.current_step() + steps_ahead)


async def enable_totp(client: httpx.AsyncClient, csrf: str) -> str:
    h = {"x-csrf-token": csrf}
    r = await client.post("/console/api/totp/setup", headers=h)
    assert r.status_code == 200
    secret = r.json()["secret"]
    assert r.json()["otpauth_uri"].startswith("otpauth://totp/Herald:")
    r = await client.post(
        "/console/api/totp/enable", json={"secret": secret, "code": "000000"}, headers=h
    )
    assert r.status_code == 422
    r = await client.post(
        "/console/api/totp/enable", json={"secret": secret, "code": code(secret)}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["operator"]["totp_enabled"] is True
    return str(secret)


async def test_totp_sign_in_refuses_wrong_and_replayed_codes(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    secret = await enable_totp(app_client, csrf)
    async with transaction(runtime.sessions) as s:
        op = (await s.execute(select(Operator).where(Operator.email == EMAIL))).scalar_one()
        assert op.totp_secret_enc and secret not in op.totp_secret_enc  # stored encrypted
    await app_client.delete("/console/api/session", headers={"x-csrf-token": csrf})

    pending = await sign_in(app_client)
    assert pending["status"] == "totp_required"
    assert pending["operator"] is None
    h = {"x-csrf-token": pending["csrf_token"]}
    # The half-signed-in session opens nothing else.
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401
    r = await app_client.post("/console/api/session/totp", json={"code": "123456"})
    assert r.status_code == 403  # CSRF applies to this step too
    wrong = "000000" if code(secret) != "000000" else "111111"
    r = await app_client.post("/console/api/session/totp", json={"code": wrong}, headers=h)
    assert r.status_code == 401
    # The code used to turn TOTP on (same 30-second step) is spent.
    r = await app_client.post("/console/api/session/totp", json={"code": code(secret)}, headers=h)
    assert r.status_code == 401
    frozen_clock.advance(seconds=30)
    current = code(secret)
    r = await app_client.post("/console/api/session/totp", json={"code": current}, headers=h)
    assert r.status_code == 200, r.text
    session = r.json()
    assert session["status"] == "active"
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 200
    # Replaying that code in another sign-in within its window fails.
    await app_client.delete("/console/api/session", headers={"x-csrf-token": session["csrf_token"]})
    again = await sign_in(app_client)
    r = await app_client.post(
        "/console/api/session/totp",
        json={"code": current},
        headers={"x-csrf-token": again["csrf_token"]},
    )
    assert r.status_code == 401
    # A pending sign-in lapses after five minutes.
    frozen_clock.advance(minutes=6)
    r = await app_client.post(
        "/console/api/session/totp",
        json={"code": code(secret)},
        headers={"x-csrf-token": again["csrf_token"]},
    )
    assert r.status_code == 401


async def test_totp_is_rate_limited_and_changes_need_fresh_auth(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    h = {"x-csrf-token": csrf}
    frozen_clock.advance(minutes=6)  # the sign-in no longer counts as fresh
    secret = (await app_client.post("/console/api/totp/setup", headers=h)).json()["secret"]
    r = await app_client.post(
        "/console/api/totp/enable", json={"secret": secret, "code": code(secret)}, headers=h
    )
    assert r.status_code == 403
    assert r.json()["code"] == "fresh_auth_required"
    r = await app_client.post("/console/api/session/fresh", json={"password": "nope"}, headers=h)
    assert r.status_code == 403
    r = await app_client.post(
        "/console/api/session/fresh", json={"password": SYS_PASSWORD}, headers=h
    )
    assert r.status_code == 200
    await enable_totp(app_client, csrf)
    frozen_clock.advance(minutes=6)
    r = await app_client.post("/console/api/totp/disable", headers=h)
    assert r.status_code == 403
    await app_client.post("/console/api/session/fresh", json={"password": SYS_PASSWORD}, headers=h)
    r = await app_client.post("/console/api/totp/disable", headers=h)
    assert r.status_code == 200
    assert r.json()["operator"]["totp_enabled"] is False

    await enable_totp(app_client, csrf)
    await app_client.delete("/console/api/session", headers=h)
    pending = await sign_in(app_client)
    statuses = []
    for _ in range(6):
        r = await app_client.post(
            "/console/api/session/totp",
            json={"code": "999999" if code(secret) != "999999" else "888888"},
            headers={"x-csrf-token": pending["csrf_token"]},
        )
        statuses.append(r.status_code)
    assert statuses == [401] * 5 + [429]


async def test_erasure_and_quiet_hours_override_need_fresh_auth_from_the_console(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    frozen_clock: clock.FrozenClock,
) -> None:
    campaign_id = await setup_campaign(runtime, app_client, sys_headers)
    r = await app_client.get("/sys/newsletter/subscribers", headers=sys_headers)
    subscriber_id = r.json()["items"][0]["id"]
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    h = {"x-csrf-token": csrf}
    override = f"/sys/newsletter/campaigns/{campaign_id}/quiet-hours-override"
    erase = f"/sys/newsletter/subscribers/{subscriber_id}/erase"
    # Signing in is a fresh authentication, for five minutes.
    r = await app_client.post(override, json={"enabled": True}, headers=h)
    assert r.status_code == 200, r.text
    frozen_clock.advance(minutes=6)
    r = await app_client.post(override, json={"enabled": False}, headers=h)
    assert r.status_code == 403
    assert r.json()["code"] == "fresh_auth_required"
    r = await app_client.post(erase, json={"reason": "ticket 42"}, headers=h)
    assert r.status_code == 403
    assert r.json()["code"] == "fresh_auth_required"
    r = await app_client.post(erase, json={"reason": "ticket 42", "password": "wrong"}, headers=h)
    assert r.status_code == 403
    r = await app_client.post(
        "/console/api/session/fresh", json={"password": SYS_PASSWORD}, headers=h
    )
    assert r.status_code == 200
    assert (await app_client.post(override, json={"enabled": False}, headers=h)).status_code == 200
    assert (
        await app_client.post(erase, json={"reason": "ticket 42"}, headers=h)
    ).status_code == 200
    # API tokens keep the contract: the override takes the password in the body.
    r = await app_client.post(override, json={"enabled": True}, headers=sys_headers)
    assert r.status_code == 403


async def test_tenant_admin_sessions_see_one_tenant_and_change_nothing(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    admin = await make_tenant_operator(runtime, "alpha")
    await make_tenant_operator(runtime, "beta")
    for tenant in ("alpha", "beta"):
        r = await app_client.post(
            "/sys/newsletter/lists",
            json={"slug": "news", "name": f"{tenant} news", "tenant": tenant},
            headers=sys_headers,
        )
        assert r.status_code == 201
        r = await app_client.post(
            "/sys/newsletter/subscribers",
            json={
                "email": f"reader@{tenant}.example",
                "lists": ["news"],
                "tenant": tenant,
                "status": "active",
                "consent_source": "test",
            },
            headers=sys_headers,
        )
        assert r.status_code == 201, r.text
    beta_subscriber = r.json()["id"]
    session = await sign_in(app_client, admin)
    assert session["operator"]["role"] == "tenant_admin"
    assert session["operator"]["tenant"]["slug"] == "alpha"
    h = {"x-csrf-token": session["csrf_token"]}
    r = await app_client.get("/admin/newsletter/subscribers", params={"tenant": "beta"})
    assert r.status_code == 200
    assert [s["email"] for s in r.json()["items"]] == ["reader@alpha.example"]
    assert (
        await app_client.get(f"/admin/newsletter/subscribers/{beta_subscriber}")
    ).status_code == 404
    r = await app_client.get("/admin/newsletter/overview")
    assert r.status_code == 200
    assert r.json()["statuses"] == {"active": 1}
    for path in (
        "/admin/newsletter/audit",
        "/admin/newsletter/suppressions",
        "/admin/newsletter/outbox",
    ):
        assert (await app_client.get(path)).status_code == 200, path
    for method, path in [
        ("GET", "/sys/newsletter/lists"),
        ("POST", "/sys/newsletter/lists"),
        ("POST", f"/sys/newsletter/subscribers/{beta_subscriber}/erase"),
        ("POST", "/sys/newsletter/suppressions"),
        ("PATCH", f"/sys/newsletter/subscribers/{beta_subscriber}"),
    ]:
        r = await app_client.request(method, path, headers=h, json={"slug": "x", "name": "x"})
        assert r.status_code == 403, (method, path, r.text)
