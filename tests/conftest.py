"""Shared fixtures: every test that takes ``db_url`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from herald.accounts.service import create_api_token, create_operator, create_tenant
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.settings import Settings
from herald.runtime import Runtime, build_runtime
from herald.web.app import create_app
from herald.worker.runner import Worker
from tests.support.databases import PostgresFactory, SqliteFactory, postgres_available

TEST_SECRET = "test-secret-key-0123456789abcdef"
SYS_PASSWORD = "sys-password-123"

# Debian's email-validator rejects special-use names; tests use example.* addresses.
os.environ.setdefault("HERALD_LOG_FORMAT", "console")


def _worker_id(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture(scope="session")
def sqlite_factory(request: pytest.FixtureRequest) -> Iterator[SqliteFactory]:
    factory = SqliteFactory(Path(tempfile.mkdtemp(prefix="herald-test-")))
    factory.prepare()
    yield factory
    factory.cleanup()


@pytest.fixture(scope="session")
def postgres_factory(request: pytest.FixtureRequest) -> Iterator[PostgresFactory | None]:
    if not postgres_available():
        if os.environ.get("HERALD_REQUIRE_POSTGRES"):
            pytest.fail("HERALD_REQUIRE_POSTGRES is set but PostgreSQL does not answer")
        yield None
        return
    factory = PostgresFactory(_worker_id(request.config))
    factory.prepare()
    yield factory
    factory.cleanup()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        only = os.environ.get("HERALD_TEST_DATABASES", "sqlite,postgres").split(",")
        kinds = [k for k in ("sqlite", "postgres") if k in only]
        marks = {"postgres": [pytest.mark.postgres]}
        metafunc.parametrize(
            "db_kind", [pytest.param(k, marks=marks.get(k, []), id=k) for k in kinds]
        )


@pytest.fixture
def db_url(
    db_kind: str,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | None,
) -> Iterator[str]:
    if db_kind == "postgres":
        if postgres_factory is None:
            pytest.skip("PostgreSQL is not available")
        factory: SqliteFactory | PostgresFactory = postgres_factory
    else:
        factory = sqlite_factory
    url = factory.new()
    yield url
    factory.drop(url)


def make_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "data_dir": tmp_path / "data",
        "secret_key": TEST_SECRET,
        "base_url": "http://herald.test",
        "distributors": "null",
        "log_format": "console",
        "worker_poll_seconds": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for the runtime fixture."""
    return {}


@pytest.fixture
async def runtime(
    db_url: str, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[Runtime]:
    rt = build_runtime(make_settings(db_url, tmp_path, **settings_overrides))
    yield rt
    await rt.close()


@pytest.fixture
def worker(runtime: Runtime) -> Worker:
    return Worker(runtime)


@pytest.fixture
async def app_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://herald.test") as client:
        yield client


@pytest.fixture
async def sys_token(runtime: Runtime) -> str:
    async with transaction(runtime.sessions) as session:
        op = await create_operator(session, "root@herald.example", SYS_PASSWORD, "sys")
        return await create_api_token(session, op)


@pytest.fixture
def sys_headers(sys_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sys_token}"}


async def make_tenant_admin(rt: Runtime, slug: str) -> str:
    """Create a tenant with an admin and return that admin's API token."""
    async with transaction(rt.sessions) as session:
        await create_tenant(session, slug, slug.title(), postal_address="1 Main St, Springfield")
        op = await create_operator(
            session, f"admin@{slug}.example", SYS_PASSWORD, "tenant_admin", tenant_slug=slug
        )
        return await create_api_token(session, op)


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    from datetime import UTC, datetime

    fc = clock.FrozenClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    previous = clock.use_clock(fc)
    yield fc
    clock.use_clock(previous)
