"""Job rows: enqueue (optionally deduplicated), claim with a lease, complete or retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit import clock
from herald.kit.db import dialect_insert
from herald.models.work import Job


class PermanentJobError(Exception):
    """Raised by a job handler when retrying cannot help; the job is marked failed at once."""


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    tenant_id: int | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> None:
    """Add a job in the caller's transaction. A ``dedupe_key`` already queued is a no-op."""
    values = {
        "kind": kind,
        "payload": payload,
        "tenant_id": tenant_id,
        "status": "queued",
        "run_at": run_at or clock.now(),
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "created_at": clock.now(),
    }
    insert = dialect_insert(session)
    stmt = insert(Job).values(**values).on_conflict_do_nothing()
    await session.execute(stmt)


async def claim_jobs(
    session: AsyncSession,
    worker_id: str,
    *,
    limit: int = 20,
    lease: timedelta = timedelta(minutes=5),
    kinds: list[str] | None = None,
) -> list[ClaimedJob]:
    now = clock.now()
    due = or_(
        and_(Job.status == "queued", Job.run_at <= now),
        and_(Job.status == "running", Job.lease_until < now),
    )
    candidates = select(Job.id).where(due).order_by(Job.run_at, Job.id).limit(limit)
    if kinds:
        candidates = candidates.where(Job.kind.in_(kinds))
    candidates = candidates.with_for_update(skip_locked=True)  # the SQLite dialect omits it
    stmt = (
        update(Job)
        .where(Job.id.in_(candidates.scalar_subquery()))
        .values(
            status="running",
            lease_until=now + lease,
            locked_by=worker_id,
            attempts=Job.attempts + 1,
        )
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(stmt)).all()
    return [ClaimedJob(r.id, r.kind, r.payload, r.attempts, r.max_attempts) for r in rows]


async def complete_job(session: AsyncSession, job_id: int) -> None:
    await session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status="done", finished_at=clock.now(), lease_until=None, dedupe_key=None)
    )


async def fail_job(session: AsyncSession, job: ClaimedJob, error: str, *, permanent: bool) -> None:
    """Retry with exponential backoff (capped at one hour) unless permanent or out of attempts."""
    now = clock.now()
    if permanent or job.attempts >= job.max_attempts:
        values: dict[str, Any] = {
            "status": "failed",
            "finished_at": now,
            "lease_until": None,
            "last_error": error[:2000],
            "dedupe_key": None,
        }
    else:
        delay = min(2 ** max(job.attempts - 1, 0) * 5, 3600)
        values = {
            "status": "queued",
            "run_at": now + timedelta(seconds=delay),
            "lease_until": None,
            "last_error": error[:2000],
        }
    await session.execute(update(Job).where(Job.id == job.id).values(**values))


async def purge_finished(session: AsyncSession, older_than: timedelta = timedelta(days=14)) -> int:
    """Delete done/failed job rows past the retention window; returns how many."""
    cutoff = clock.now() - older_than
    result = await session.execute(
        delete(Job).where(Job.status.in_(("done", "failed")), Job.finished_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
