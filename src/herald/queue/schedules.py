"""Periodic jobs as leased rows: N workers run each schedule exactly once per period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit import clock
from herald.models.work import Schedule


async def ensure_schedule(session: AsyncSession, name: str, interval_seconds: int) -> None:
    row = await session.get(Schedule, name)
    if row is None:
        session.add(Schedule(name=name, interval_seconds=interval_seconds, next_run_at=clock.now()))
        await session.flush()
    elif row.interval_seconds != interval_seconds:
        row.interval_seconds = interval_seconds


async def claim_due_schedules(
    session: AsyncSession, worker_id: str, lease: timedelta = timedelta(minutes=5)
) -> list[str]:
    now = clock.now()
    due = and_(
        Schedule.next_run_at <= now,
        or_(Schedule.lease_until.is_(None), Schedule.lease_until < now),
    )
    names = select(Schedule.name).where(due)
    names = names.with_for_update(skip_locked=True)  # the SQLite dialect omits it
    stmt = (
        update(Schedule)
        .where(Schedule.name.in_(names.scalar_subquery()))
        .values(lease_until=now + lease, locked_by=worker_id)
        .returning(Schedule.name)
        .execution_options(synchronize_session=False)
    )
    return list((await session.execute(stmt)).scalars())


async def finish_schedule(session: AsyncSession, name: str, error: str | None = None) -> None:
    row = await session.get(Schedule, name)
    if row is None:
        return
    now = clock.now()
    step = timedelta(seconds=row.interval_seconds)
    nxt = row.next_run_at + step
    if nxt <= now:  # missed periods are not replayed one by one
        nxt = now + step
    row.next_run_at = nxt
    row.last_run_at = now
    row.lease_until = None
    row.locked_by = None
    row.last_error = error[:2000] if error else None
