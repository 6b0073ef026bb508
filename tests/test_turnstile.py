"""Turnstile siteverify through a loopback server that speaks Cloudflare's wire format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from tests.support.loopback import serve_asgi
from tests.test_public_flow import make_list

SECRET_PASS = "1x0000000000000000000000000000000AA"
SECRET_FAIL = "2x0000000000000000000000000000000AA"
SECRET_SPENT = "3x0000000000000000000000000000000AA"
SECRET_GARBLED = "garbled"
SEEN: list[dict[str, Any]] = []


async def siteverify(request: Request) -> Any:
    form = dict(await request.form())
    SEEN.append(form)
    secret = form.get("secret")
    if secret == SECRET_GARBLED:
        return PlainTextResponse("<html>challenge</html>")
    if not form.get("response"):
        return JSONResponse({"success": False, "error-codes": ["missing-input-response"]})
    if secret == SECRET_PASS:
        return JSONResponse(
            {
                "success": True,
                "challenge_ts": "2026-06-01T12:00:00Z",
                "hostname": "herald.test",
                "error-codes": [],
                "action": "",
                "cdata": "",
            }
        )
    if secret == SECRET_SPENT:
        return JSONResponse({"success": False, "error-codes": ["timeout-or-duplicate"]})
    return JSONResponse({"success": False, "error-codes": ["invalid-input-response"]})


@pytest.fixture(scope="module")
async def turnstile_url() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/turnstile/v0/siteverify", siteverify, methods=["POST"])])
    async with serve_asgi(app) as base:
        yield f"{base}/turnstile/v0/siteverify"


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, turnstile_url: str) -> dict[str, Any]:
    return {"turnstile_secret": request.param, "turnstile_verify_url": turnstile_url}


@pytest.mark.parametrize(
    ("settings_overrides", "expected"),
    [(SECRET_PASS, 202), (SECRET_FAIL, 400), (SECRET_SPENT, 400), (SECRET_GARBLED, 400)],
    indirect=["settings_overrides"],
)
async def test_captcha_outcomes(
    expected: int, db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_list(app_client, sys_headers)
    SEEN.clear()
    r = await app_client.post(
        "/public/newsletter/subscribe",
        data={"email": "c@example.com", "list": "news", "cf-turnstile-response": "XXXX.DUMMY"},
    )
    assert r.status_code == expected, r.text
    assert SEEN[-1]["remoteip"] == "203.0.113.10"
    assert SEEN[-1]["response"] == "XXXX.DUMMY"


@pytest.mark.parametrize("settings_overrides", [SECRET_PASS], indirect=True)
async def test_missing_token_fails_without_calling_out(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_list(app_client, sys_headers)
    SEEN.clear()
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "c@example.com", "list": "news"}
    )
    assert r.status_code == 400
    assert SEEN == []


async def test_unreachable_verifier_fails_closed() -> None:
    from herald.audience.captcha import verify_turnstile
    from herald.kit.errors import CaptchaFailed
    from tests.support.loopback import free_port

    async with httpx.AsyncClient(timeout=1.0) as client:
        with pytest.raises(CaptchaFailed):
            await verify_turnstile(
                secret=SECRET_PASS,
                token="x",
                remote_ip=None,
                verify_url=f"http://127.0.0.1:{free_port()}/siteverify",
                client=client,
            )
