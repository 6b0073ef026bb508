"""Fresh, migrated databases for each test: an SQLite file, or a PostgreSQL clone of a template.

PostgreSQL is used when one answers on 127.0.0.1:5432 (or ``HERALD_TEST_POSTGRES_URL``); the
template is migrated once per test session and each test gets ``CREATE DATABASE … TEMPLATE``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg

from herald.migrations.runner import upgrade

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("HERALD_TEST_POSTGRES_URL", DEFAULT_PG)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


_pg_available: bool | None = None


def postgres_available() -> bool:
    global _pg_available
    if _pg_available is None:
        try:
            with psycopg.connect(_libpq(postgres_base_url()), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            _pg_available = True
        except psycopg.Error:
            _pg_available = False
    return _pg_available


class PostgresFactory:
    def __init__(self, worker: str) -> None:
        self.base = postgres_base_url()
        self.template = f"herald_tpl_{worker}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(_libpq(self.base), autocommit=True)

    def prepare(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.template}"')
            conn.execute(f'CREATE DATABASE "{self.template}"')
        upgrade(_with_db(self.base, self.template))

    def new(self) -> str:
        name = f"herald_t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return _with_db(self.base, name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def cleanup(self) -> None:
        with self._admin() as conn:
            for name in [*self.created, self.template]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class SqliteFactory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"

    def prepare(self) -> None:
        upgrade(f"sqlite+aiosqlite:///{self.template}")

    def new(self) -> str:
        path = self.root / f"t_{uuid.uuid4().hex[:12]}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
