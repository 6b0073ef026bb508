"""Console sessions: the cookie, expiry, forgery, CSRF, sign-out and password-change revocation."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import Response
from sqlalchemy import select, update

from herald.accounts.service import create_operator
from herald.accounts.sessions import Issued
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.settings import Settings
from herald.models.accounts import ConsoleSession, Operator
from herald.runtime import Runtime
from herald.web.app import create_app
from herald.web.console.cookies import set_session_cookie
from tests.conftest import SYS_PASSWORD, TEST_SECRET
from tests.console.support import COOKIE, EMAIL, make_sys_operator, sign_in


async def new_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://herald.test") as client:
        yield client


@pytest.fixture
async def other_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async for client in new_client(runtime):
        yield client


async def test_sign_in_sets_a_hardened_cookie_and_stores_only_a_hash(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    r = await app_client.post(
        "/console/api/session", json={"email": EMAIL.upper(), "password": SYS_PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "active"
    assert body["operator"]["email"] == EMAIL
    assert body["operator"]["role"] == "sys"
    assert body["fresh_until"] is not None
    assert body["capture_outbox"] is True  # the null distributor captures mail in tests
    header = r.headers["set-cookie"]
    assert header.startswith(f"{COOKIE}=hs_")
    lowered = header.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/" in lowered
    assert "secure" not in lowered  # http base URL
    token = app_client.cookies[COOKIE]
    async with transaction(runtime.sessions) as s:
        stored = (await s.execute(select(ConsoleSession.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored
    r = await app_client.get("/console/api/session")
    assert r.status_code == 200
    assert r.json()["csrf_token"] == body["csrf_token"]
    r = await app_client.get("/sys/newsletter/lists")
    assert r.status_code == 200


def test_https_base_url_gets_a_secure_host_prefixed_cookie() -> None:
    settings = Settings(base_url="https://news.example.com", secret_key="k")
    response = Response()
    row = ConsoleSession(token_hash="x")
    set_session_cookie(response, settings, Issued(token="hs_abc", row=row))
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-herald_session=hs_abc")
    assert "Secure" in header
    assert "HttpOnly" in header
    assert "Domain" not in header


async def test_wrong_passwords_are_refused_then_rate_limited(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    statuses = []
    for _ in range(runtime.settings.login_rate_limit + 1):
        r = await app_client.post(
            "/console/api/session", json={"email": EMAIL, "password": "not the password"}
        )
        statuses.append(r.status_code)
    assert statuses[:-1] == [401] * runtime.settings.login_rate_limit
    assert statuses[-1] == 429
    assert "retry-after" in r.headers
    # Unknown accounts answer exactly like wrong passwords.
    r = await app_client.post(
        "/console/api/session", json={"email": "nobody@herald.example", "password": "x" * 12}
    )
    assert r.status_code == 401
    assert COOKIE not in app_client.cookies


async def test_sign_in_refuses_forms_and_other_origins(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    r = await app_client.post(
        "/console/api/session", data={"email": EMAIL, "password": SYS_PASSWORD}
    )
    assert r.status_code == 422
    r = await app_client.post(
        "/console/api/session",
        content=f'{{"email": "{EMAIL}", "password": "{SYS_PASSWORD}"}}',
        headers={"content-type": "text/plain"},
    )
    assert r.status_code == 422
    r = await app_client.post(
        "/console/api/session",
        json={"email": EMAIL, "password": SYS_PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert COOKIE not in app_client.cookies
    r = await app_client.post(
        "/console/api/session",
        json={"email": EMAIL, "password": SYS_PASSWORD},
        headers={"origin": "http://herald.test"},
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "hs_" + "A" * 43,  # well-formed, never issued
        "garbage",
        "hs_" + "A" * 500,
        "",
        "hs_%00%0d%0a",
    ],
)
async def test_forged_and_malformed_cookies_are_401(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, value: str
) -> None:
    await make_sys_operator(runtime)
    app_client.cookies.set(COOKIE, value)
    for path in ("/console/api/session", "/sys/newsletter/lists"):
        r = await app_client.get(path)
        assert r.status_code == 401, (path, r.text)


async def test_sessions_expire_when_idle_and_after_their_lifetime(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    await make_sys_operator(runtime)
    await sign_in(app_client)
    idle = runtime.settings.console_idle_minutes
    frozen_clock.advance(minutes=idle - 1)
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 200
    frozen_clock.advance(minutes=idle + 1)
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401

    await sign_in(app_client)
    lifetime_minutes = runtime.settings.console_session_hours * 60
    used = 0
    while used + idle // 2 < lifetime_minutes:  # stay active: never idle for long
        frozen_clock.advance(minutes=idle // 2)
        used += idle // 2
        assert (await app_client.get("/console/api/session")).status_code == 200
    frozen_clock.advance(minutes=lifetime_minutes - used + 1)
    assert (await app_client.get("/console/api/session")).status_code == 401


async def test_writes_need_the_csrf_token_but_bearer_tokens_do_not(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    body = {"slug": "news", "name": "News"}
    r = await app_client.post("/sys/newsletter/lists", json=body)
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed"
    r = await app_client.post(
        "/sys/newsletter/lists", json=body, headers={"x-csrf-token": "0" * 64}
    )
    assert r.status_code == 403
    other = csrf[:-1] + ("0" if csrf[-1] != "0" else "1")
    r = await app_client.post("/sys/newsletter/lists", json=body, headers={"x-csrf-token": other})
    assert r.status_code == 403
    r = await app_client.delete("/console/api/session")  # sign-out is a write too
    assert r.status_code == 403
    r = await app_client.post("/sys/newsletter/lists", json=body, headers={"x-csrf-token": csrf})
    assert r.status_code == 201
    # An API client with a bearer token needs no CSRF token, cookie or not.
    r = await app_client.post(
        "/sys/newsletter/lists", json={"slug": "two", "name": "Two"}, headers=sys_headers
    )
    assert r.status_code == 201


async def test_sign_out_revokes_the_session_server_side(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    token = app_client.cookies[COOKIE]
    r = await app_client.delete("/console/api/session", headers={"x-csrf-token": csrf})
    assert r.status_code == 204
    assert 'herald_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    app_client.cookies.clear()
    app_client.cookies.set(COOKIE, token)  # a copy of the cookie kept by an attacker
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401
    assert (await app_client.get("/console/api/session")).status_code == 401


async def test_password_change_ends_every_other_session(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
) -> None:
    await make_sys_operator(runtime)
    csrf = (await sign_in(app_client))["csrf_token"]
    await sign_in(other_client)
    old_token = app_client.cookies[COOKIE]
    r = await app_client.post(
        "/console/api/password",
        json={"current_password": "wrong-password", "new_password": "a-new-password-1"},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 403
    r = await app_client.post(
        "/console/api/password",
        json={"current_password": SYS_PASSWORD, "new_password": "short"},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 422
    r = await app_client.post(
        "/console/api/password",
        json={"current_password": SYS_PASSWORD, "new_password": "a-new-password-1"},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 200, r.text
    assert app_client.cookies[COOKIE] != old_token
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 200
    assert (await other_client.get("/sys/newsletter/lists")).status_code == 401
    other_client.cookies.clear()
    other_client.cookies.set(COOKIE, old_token)
    assert (await other_client.get("/sys/newsletter/lists")).status_code == 401
    other_client.cookies.clear()
    await sign_in(other_client, password="a-new-password-1")
    assert (await other_client.get("/sys/newsletter/lists")).status_code == 200


async def test_a_password_set_outside_the_console_ends_sessions_too(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    await sign_in(app_client)
    async with transaction(runtime.sessions) as s:
        await s.execute(
            update(Operator).where(Operator.email == EMAIL).values(password_changed_at=clock.now())
        )
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401


async def test_disabled_operators_lose_their_sessions(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    await sign_in(app_client)
    async with transaction(runtime.sessions) as s:
        await s.execute(update(Operator).where(Operator.email == EMAIL).values(disabled=True))
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401


async def test_an_existing_session_is_replaced_on_sign_in(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    await sign_in(app_client)
    first = app_client.cookies[COOKIE]
    await sign_in(app_client)
    assert app_client.cookies[COOKIE] != first
    async with transaction(runtime.sessions) as s:
        rows = (await s.execute(select(ConsoleSession))).scalars().all()
    live = [r for r in rows if r.revoked_at is None]
    assert len(live) == 1


async def test_operators_without_a_console_session_cannot_use_console_endpoints(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.get("/console/api/session", headers=sys_headers)
    assert r.status_code == 401
    async with transaction(runtime.sessions) as s:
        await create_operator(s, "second@herald.example", SYS_PASSWORD, "sys")
    r = await app_client.post(
        "/console/api/password",
        json={"current_password": SYS_PASSWORD, "new_password": "another-password"},
        headers=sys_headers,
    )
    assert r.status_code == 401


async def test_cli_password_and_two_step_resets_end_console_sessions(
    db_kind: str, db_url: str, runtime: Runtime, app_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await make_sys_operator(runtime)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env.update(
        HERALD_DATABASE_URL=db_url,
        HERALD_DATA_DIR=str(tmp_path / "cli"),
        HERALD_SECRET_KEY=TEST_SECRET,
        HERALD_LOG_FORMAT="console",
    )

    def herald(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "herald.cli.main", "operator", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    await sign_in(app_client)
    out = await asyncio.to_thread(herald, "reset-two-step", "--email", EMAIL)
    assert "turned off" in out
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401
    await sign_in(app_client)
    out = await asyncio.to_thread(
        herald, "password", "--email", EMAIL, "--password", "recovered-password-1"
    )
    assert "changed" in out
    assert (await app_client.get("/sys/newsletter/lists")).status_code == 401
    app_client.cookies.clear()
    await sign_in(app_client, password="recovered-password-1")


@pytest.mark.parametrize(
    "settings_overrides", [{"distributors": "smtp", "smtp_url": "smtp://127.0.0.1:1"}]
)
async def test_the_session_says_no_outbox_when_mail_is_really_delivered(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await make_sys_operator(runtime)
    r = await app_client.post(
        "/console/api/session", json={"email": EMAIL, "password": SYS_PASSWORD}
    )
    assert r.status_code == 200, r.text
    assert r.json()["capture_outbox"] is False
