"""Helpers for console tests: operators and sign-in through the real endpoints."""

from __future__ import annotations

from typing import Any

import httpx

from herald.accounts.service import create_operator, create_tenant
from herald.kit.db import transaction
from herald.runtime import Runtime
from tests.conftest import SYS_PASSWORD

COOKIE = "herald_session"
EMAIL = "console@herald.example"


async def make_sys_operator(rt: Runtime, email: str = EMAIL) -> None:
    async with transaction(rt.sessions) as session:
        await create_operator(session, email, SYS_PASSWORD, "sys")


async def make_tenant_operator(rt: Runtime, slug: str) -> str:
    """A tenant (with a postal address) and its admin; returns the admin's email."""
    email = f"admin@{slug}.example"
    async with transaction(rt.sessions) as session:
        await create_tenant(session, slug, slug.title(), postal_address="1 Main St, Springfield")
        await create_operator(session, email, SYS_PASSWORD, "tenant_admin", tenant_slug=slug)
    return email


async def sign_in(
    client: httpx.AsyncClient, email: str = EMAIL, password: str = SYS_PASSWORD
) -> dict[str, Any]:
    r = await client.post("/console/api/session", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body
