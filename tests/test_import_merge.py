"""Imports meeting existing subscribers: gaps are filled, existing values win, other lists'
subscribers join this list with their own consent record, and repeats across batches (written
concurrently on PostgreSQL) count once."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from herald.accounts.context import SYSTEM
from herald.audience.imports import service as imports
from herald.audience.imports.reader import EMAIL, LINE, ImportReader
from herald.audience.imports.runner import Batch, Report, _write_all, batches
from herald.kit.crypto import sha256_hex
from herald.kit.db import transaction
from herald.kit.errors import ValidationFailed
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import ConsentRecord
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.test_import import ATTEST, count, run
from tests.test_public_flow import make_list


async def test_existing_subscribers_keep_their_values_and_join_the_list(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    first = await make_list(app_client, sys_headers, "first")
    second = await make_list(app_client, sys_headers, "second")
    body = b"email,name,country,team\nada@example.com,,SE,red\ngrace@example.com,Grace,,\n"
    report = await run(app_client, sys_headers, worker, first["id"], body)
    assert (report["rows_imported"], report["rows_updated"]) == (2, 0)
    body = (
        b"email,name,country,team,level\n"
        b"ada@example.com,Ada,FR,blue,3\n"
        b"grace@example.com,Other,GB,green,\n"
        b"new@example.com,New,,,\n"
    )
    report = await run(app_client, sys_headers, worker, second["id"], body)
    assert report["status"] == "done"
    assert (report["rows_imported"], report["rows_updated"], report["rows_skipped"]) == (3, 0, 0)
    async with transaction(runtime.sessions) as s:
        people = {p.email: p for p in (await s.execute(select(Subscriber))).scalars()}
        assert len(people) == 3
        ada, grace = people["ada@example.com"], people["grace@example.com"]
        assert (ada.name, ada.country, ada.attributes) == (
            "Ada",
            "SE",
            {"team": "red", "level": "3"},
        )
        assert ada.updated_at is not None
        assert (grace.name, grace.country, grace.attributes) == ("Grace", "GB", {"team": "green"})
        consent = (await s.execute(select(ConsentRecord))).scalars().all()
        assert sorted(c.list_id for c in consent) == sorted([first["id"]] * 2 + [second["id"]] * 3)
        assert {c.import_id for c in consent if c.list_id == second["id"]} == {report["id"]}
    assert await count(runtime, Subscription, Subscription.list_id == second["id"]) == 3
    assert await count(runtime, SubscriptionTransition) == 5
    again = await run(app_client, sys_headers, worker, second["id"], body)
    assert (again["rows_imported"], again["rows_updated"], again["rows_skipped"]) == (0, 3, 0)
    assert await count(runtime, ConsentRecord) == 5


async def test_repeats_across_small_batches_count_once(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    # Batches of two rows: addresses come back in later batches (on PostgreSQL, written on
    # three connections at once) and inside a batch (rejected as duplicates), as the first two
    # rows certainly do.
    lines = ["email"] + ["p1@example.com"] * 2 + [f"p{i % 7}@example.com" for i in range(40)]
    path = imports.spool_dir(runtime.settings.data_dir) / "repeats.csv"
    path.write_text("\n".join(lines) + "\n")
    async with transaction(runtime.sessions) as s:
        job = await imports.create_import(
            s, SYSTEM, int(str(lst["id"])), imports.Attestation.model_validate(ATTEST), path.name
        )
        job.bytes_total = path.stat().st_size
        job_id = job.id
    seen: list[imports.ImportOut] = []
    result = await imports.run_import(
        runtime.engine,
        job_id,
        path,
        path.with_suffix(".rejected.csv"),
        batch_size=2,
        on_progress=seen.append,
    )
    assert result.status == "done"
    assert result.rows_total == 42
    assert (result.rows_imported, result.rows_skipped) == (7, 0)
    assert result.rows_updated + result.rows_rejected == 35
    assert {"line": 3, "reason": "duplicate of line 2"} in result.errors
    assert {e["reason"].split(" of ")[0] for e in result.errors} == {"duplicate"}
    assert await count(runtime, Subscriber) == 7
    assert await count(runtime, ConsentRecord) == 7
    assert await count(runtime, SubscriptionTransition) == 7
    assert seen[-1].progress == 1.0
    assert [p.rows_total for p in seen] == sorted(p.rows_total for p in seen)


def test_an_address_always_goes_to_the_same_stream() -> None:
    lines = ["email"] + [f"p{i % 11}@example.com" for i in range(60)] + ["bad"]
    reader = ImportReader(io.BytesIO(("\n".join(lines) + "\n").encode()))
    report = Report(io.StringIO())
    parsed = list(batches(reader, report, 2, sha256_hex, streams=3))
    streams: dict[str, set[int]] = {}
    for batch in parsed:
        assert len(batch.rows) <= 2
        for row in batch.rows:
            streams.setdefault(row[EMAIL], set()).add(batch.stream)
    assert all(len(s) == 1 for s in streams.values())
    assert len({next(iter(s)) for s in streams.values()}) > 1
    assert [b.last for b in parsed] == [False] * (len(parsed) - 1) + [True]
    assert sum(len(b.rows) for b in parsed) + report.rejected == report.total == 61


async def test_a_failing_writer_stops_the_run_and_the_others_finish() -> None:
    """Each stream's batches are written in order; a writer's error ends the run (raised, not
    hung) and the other streams finish the batch they were writing."""
    lines = ["email"] + [f"p{i}@example.com" for i in range(40)]
    reader = ImportReader(io.BytesIO(("\n".join(lines) + "\n").encode()))
    parsed = batches(reader, Report(io.StringIO()), 2, sha256_hex, streams=3)
    written: dict[int, list[int]] = {0: [], 1: [], 2: []}
    failed: list[int] = []

    async def write(conn: Any, batch: Batch) -> None:
        await asyncio.sleep(0.001 * (batch.stream + 1))
        if batch.rows and batch.stream == 1 and len(written[1]) == 2:
            failed.append(batch.rows[0][LINE])
            raise RuntimeError("lost the connection")
        written[batch.stream] += [row[LINE] for row in batch.rows]

    with pytest.raises(RuntimeError, match="lost the connection"):
        await _write_all([cast(AsyncConnection, None)] * 3, parsed, write)
    assert failed and all(got == sorted(got) for got in written.values())
    assert len(written[1]) == 2


async def test_every_batch_is_written_once_in_stream_order() -> None:
    lines = ["email"] + [f"p{i}@example.com" for i in range(101)]
    reader = ImportReader(io.BytesIO(("\n".join(lines) + "\n").encode()))
    parsed = batches(reader, Report(io.StringIO()), 3, sha256_hex, streams=3)
    written: dict[int, list[int]] = {0: [], 1: [], 2: []}

    async def write(conn: Any, batch: Batch) -> None:
        await asyncio.sleep(0.001 * (3 - batch.stream))
        written[batch.stream] += [row[LINE] for row in batch.rows]

    await _write_all([cast(AsyncConnection, None)] * 3, parsed, write)
    assert all(got == sorted(got) for got in written.values())
    assert sorted(line for got in written.values() for line in got) == list(range(2, 103))


async def test_a_slow_stream_does_not_hold_up_the_others() -> None:
    """Parsed batches wait in a queue per stream: while one connection is still writing, the
    others go on with their next batches (each stream still in order)."""
    lines = ["email"] + [f"p{i}@example.com" for i in range(60)]
    reader = ImportReader(io.BytesIO(("\n".join(lines) + "\n").encode()))

    def alternate(email: str) -> str:  # p0 → stream 0, p1 → stream 1, p2 → stream 0 …
        return f"{int(email[1:].split('@')[0]) % 2:08x}"

    parsed = batches(reader, Report(io.StringIO()), 2, alternate, streams=2)
    written: dict[int, list[int]] = {0: [], 1: []}
    others_went_on = asyncio.Event()

    async def write(conn: Any, batch: Batch) -> None:
        if batch.stream == 0 and not written[0]:
            await others_went_on.wait()  # the first batch of stream 0 takes "long"
        written[batch.stream] += [row[LINE] for row in batch.rows]
        if len(written[1]) >= 4:  # stream 1 wrote two batches after stream 0's first began
            others_went_on.set()

    await asyncio.wait_for(
        _write_all([cast(AsyncConnection, None)] * 2, parsed, write, ahead=2), 10
    )
    assert all(got == sorted(got) for got in written.values())
    assert sorted(written[0] + written[1]) == list(range(2, 62))


async def test_a_parser_error_ends_the_run_after_the_writes_in_progress() -> None:
    def failing() -> Iterator[Batch]:
        yield Batch(0, rows=[(2, "a@example.com", "example.com", None, None, None, None, "{}")])
        raise ValidationFailed("the file is not UTF-8 text (near line 3)")

    written: list[int] = []

    async def write(conn: Any, batch: Batch) -> None:
        await asyncio.sleep(0.01)
        written.append(batch.stream)

    with pytest.raises(ValidationFailed, match="not UTF-8"):
        await _write_all([cast(AsyncConnection, None)] * 2, failing(), write)
    assert written == [0]
