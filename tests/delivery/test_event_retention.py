"""delivery_events retention: the periodic purge deletes rows received before the window, in
batches of short transactions, and keeps everything younger (the dedupe memory)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from herald.delivery.feedback.retention import purge_expired
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.settings import Settings
from herald.models.delivery import DeliveryEvent
from herald.models.work import Schedule
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.support.feedback import delivery_events


async def add_events(rt: Runtime, ages_days: list[float]) -> None:
    now = clock.now()
    async with transaction(rt.sessions) as s:
        for n, age in enumerate(ages_days):
            received = now - timedelta(days=age)
            s.add(
                DeliveryEvent(
                    provider="mailjet",
                    event_key=f"k{n}",
                    kind="delivered",
                    occurred_at=received - timedelta(minutes=5),
                    received_at=received,
                    outcome="recorded",
                    detail={},
                )
            )


async def test_purge_deletes_only_rows_past_the_window_in_batches(
    runtime: Runtime, frozen_clock: clock.FrozenClock
) -> None:
    await add_events(runtime, [400, 200, 181, 179, 30, 0.1, 190])
    cutoff = clock.now() - timedelta(days=180)
    # batch=2: four old rows take three transactions (2, 2, then an empty one ends it)
    assert await purge_expired(runtime.sessions, cutoff, batch=2) == 4
    left = sorted(e.event_key for e in await delivery_events(runtime))
    assert left == ["k3", "k4", "k5"]
    assert await purge_expired(runtime.sessions, cutoff, batch=2) == 0


async def test_purge_stops_when_its_time_budget_is_spent(
    runtime: Runtime, frozen_clock: clock.FrozenClock
) -> None:
    await add_events(runtime, [300, 300, 300, 300, 300])
    cutoff = clock.now() - timedelta(days=180)
    assert await purge_expired(runtime.sessions, cutoff, batch=2, budget_seconds=0) == 2
    assert len(await delivery_events(runtime)) == 3


@pytest.fixture
def settings_overrides() -> dict[str, int]:
    return {"delivery_event_retention_days": 30}


async def test_worker_runs_the_purge_as_a_periodic_schedule(
    runtime: Runtime, worker: Worker, frozen_clock: clock.FrozenClock
) -> None:
    await add_events(runtime, [31, 29])
    await worker.setup()
    await worker.run_once()
    assert [e.event_key for e in await delivery_events(runtime)] == ["k1"]
    async with transaction(runtime.sessions) as s:
        row = (
            await s.execute(select(Schedule).where(Schedule.name == "delivery.purge_events"))
        ).scalar_one()
        assert row.last_error is None and row.interval_seconds == 3600


def test_retention_shorter_than_the_dedupe_window_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 7"):
        Settings(delivery_event_retention_days=3)
    assert Settings().delivery_event_retention_days == 180
