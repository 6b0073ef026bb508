"""Cloudflare Turnstile siteverify. Fails closed: a timeout or a garbled answer is a failure."""

from __future__ import annotations

import uuid

import httpx

from herald.kit.errors import CaptchaFailed
from herald.kit.logging import get_logger

log = get_logger(__name__)
MAX_TOKEN_LENGTH = 2048


async def verify_turnstile(
    *,
    secret: str,
    token: str | None,
    remote_ip: str | None,
    verify_url: str,
    expected_hostname: str | None = None,
    expected_action: str | None = None,
    client: httpx.AsyncClient | None = None,
    timeout_seconds: float = 5.0,
) -> None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise CaptchaFailed("captcha missing or malformed")
    form = {"secret": secret, "response": token, "idempotency_key": str(uuid.uuid4())}
    if remote_ip:
        form["remoteip"] = remote_ip
    owns = client is None
    http = client or httpx.AsyncClient(timeout=timeout_seconds)
    try:
        response = await http.post(verify_url, data=form)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("turnstile.unavailable", error=type(exc).__name__)
        raise CaptchaFailed("captcha could not be verified") from exc
    finally:
        if owns:
            await http.aclose()
    if not isinstance(data, dict) or data.get("success") is not True:
        codes = data.get("error-codes") if isinstance(data, dict) else None
        log.info("turnstile.rejected", codes=codes)
        raise CaptchaFailed("captcha failed")
    if expected_hostname and data.get("hostname") not in {expected_hostname, None}:
        raise CaptchaFailed("captcha solved for another site")
    if expected_action and data.get("action") not in {expected_action, None, ""}:
        raise CaptchaFailed("captcha solved for another action")
