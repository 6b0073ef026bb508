"""The job queue: dedupe, retries with backoff, permanent failures, leases, schedules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from herald.kit import clock
from herald.kit.db import transaction
from herald.models.work import Job, Schedule
from herald.queue import (
    PermanentJobError,
    claim_due_schedules,
    claim_jobs,
    enqueue,
    ensure_schedule,
    finish_schedule,
    purge_finished,
)
from herald.runtime import Runtime
from herald.worker.registry import JOB_HANDLERS
from herald.worker.runner import Worker

CALLS: list[dict[str, Any]] = []


async def flaky(rt: Runtime, payload: dict[str, Any]) -> None:
    CALLS.append(payload)
    if payload.get("fail") == "permanent":
        raise PermanentJobError("never going to work")
    tries = sum(1 for c in CALLS if c.get("fail") == "temporary")
    if payload.get("fail") == "temporary" and tries < 3:
        raise RuntimeError("try later")


@pytest.fixture(autouse=True)
def _handler() -> Any:
    CALLS.clear()
    JOB_HANDLERS["test.flaky"] = flaky
    yield
    JOB_HANDLERS.pop("test.flaky", None)


async def jobs(rt: Runtime) -> list[Job]:
    async with transaction(rt.sessions) as s:
        return list((await s.execute(select(Job).order_by(Job.id))).scalars())


async def test_dedupe_retry_and_permanent_failure(
    db_kind: str, runtime: Runtime, worker: Worker, frozen_clock: clock.FrozenClock
) -> None:
    async with transaction(runtime.sessions) as s:
        await enqueue(s, "test.flaky", {"fail": "temporary"}, dedupe_key="k1")
        await enqueue(s, "test.flaky", {"fail": "temporary"}, dedupe_key="k1")  # ignored
        await enqueue(s, "test.flaky", {"fail": "permanent"})
    assert len(await jobs(runtime)) == 2
    await worker.run_once()
    rows = await jobs(runtime)
    assert [r.status for r in rows] == ["queued", "failed"]
    assert rows[0].attempts == 1
    assert rows[0].run_at > frozen_clock.now()  # backoff
    assert rows[1].last_error == "never going to work"
    for _ in range(3):
        frozen_clock.advance(minutes=10)
        await worker.run_once()
    rows = await jobs(runtime)
    assert rows[0].status == "done"
    assert rows[0].attempts == 3
    # Once done, the dedupe key is free again.
    async with transaction(runtime.sessions) as s:
        await enqueue(s, "test.flaky", {}, dedupe_key="k1")
    assert len(await jobs(runtime)) == 3
    frozen_clock.advance(days=15)
    async with transaction(runtime.sessions) as s:
        assert await purge_finished(s) == 2


async def test_expired_lease_is_reclaimed(
    db_kind: str, runtime: Runtime, frozen_clock: clock.FrozenClock
) -> None:
    async with transaction(runtime.sessions) as s:
        await enqueue(s, "test.flaky", {})
    async with transaction(runtime.sessions) as s:
        first = await claim_jobs(s, "w1", lease=timedelta(seconds=30))
    async with transaction(runtime.sessions) as s:
        assert await claim_jobs(s, "w2") == []  # leased
    frozen_clock.advance(seconds=31)
    async with transaction(runtime.sessions) as s:
        again = await claim_jobs(s, "w2")
    assert [j.id for j in again] == [j.id for j in first]
    assert again[0].attempts == 2


async def test_schedule_runs_once_per_period(
    db_kind: str, runtime: Runtime, frozen_clock: clock.FrozenClock
) -> None:
    async with transaction(runtime.sessions) as s:
        await ensure_schedule(s, "tick", 60)
    async with transaction(runtime.sessions) as s:
        assert await claim_due_schedules(s, "w1") == ["tick"]
    async with transaction(runtime.sessions) as s:
        assert await claim_due_schedules(s, "w2") == []
    async with transaction(runtime.sessions) as s:
        await finish_schedule(s, "tick")
    async with transaction(runtime.sessions) as s:
        assert await claim_due_schedules(s, "w2") == []
        row = await s.get(Schedule, "tick")
        assert row is not None
        assert row.next_run_at == frozen_clock.now() + timedelta(seconds=60)
    frozen_clock.advance(seconds=60)
    async with transaction(runtime.sessions) as s:
        assert await claim_due_schedules(s, "w2") == ["tick"]
