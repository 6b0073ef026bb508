"""Helpers shared by benchmarks: fresh databases and result files."""

from __future__ import annotations

import os
import platform
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from herald.migrations.runner import upgrade

HERE = Path(__file__).parent
DATA = HERE / ".data"
PG_BASE = os.environ.get(
    "HERALD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fresh_postgres(prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_BASE.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_BASE.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


def drop_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_BASE.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_sqlite(prefix: str) -> tuple[str, Path]:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"{prefix}_{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url, path


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def machine_line() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.python_implementation()} "
        f"{platform.python_version()} · {os.cpu_count()} cores"
    )


def write_results(name: str, body: str) -> Path:
    """Write ``bench/RESULTS-<name>.md`` and refresh the merged ``bench/RESULTS.md``."""
    path = HERE / f"RESULTS-{name}.md"
    path.write_text(body.rstrip() + "\n")
    merge_results()
    return path


def merge_results() -> Path:
    """Merge every ``bench/RESULTS-*.md`` into ``bench/RESULTS.md`` (one section each)."""
    lines = [
        "# Herald benchmark results",
        "",
        "Each section is written by one benchmark in `bench/` (run `make bench`, or",
        "`python -m bench <name> [--full]`). Every figure is compared with a baseline measured in",
        "the same run on the same machine (2 cores, 24 GiB); ratios are the meaningful numbers.",
        "",
    ]
    for part in sorted(HERE.glob("RESULTS-*.md")):
        lines.append(part.read_text().rstrip())
        lines.append("")
    path = HERE / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path
