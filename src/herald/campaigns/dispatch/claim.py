"""Claiming ledger rows and writing their outcomes.

A claim marks rows ``claimed`` with a lease in its own committed transaction (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so workers never take the same row; SQLite has a single writer). A row is
marked ``sent`` only after the provider accepted it; a claimed row whose lease expired (its
worker died) is claimable again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.models.campaigns import Delivery

MAX_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    subscriber_id: int
    attempts: int
    variant: str | None


async def claim_rows(
    session: AsyncSession, campaign_id: int, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    if limit <= 0:
        return []
    due = or_(
        and_(Delivery.status == "queued", Delivery.due_at <= now),
        and_(Delivery.status == "claimed", Delivery.lease_until < now),
    )
    query = (
        select(Delivery.id, Delivery.subscriber_id, Delivery.attempts, Delivery.variant)
        .where(Delivery.campaign_id == campaign_id, due)
        .order_by(Delivery.id)
        .limit(limit)
    )
    query = query.with_for_update(skip_locked=True)  # the SQLite dialect omits it
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_([r.id for r in rows]))
        .values(status="claimed", lease_until=now + lease, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return [Claimed(r.id, r.subscriber_id, r.attempts + 1, r.variant) for r in rows]


async def renew(
    session: AsyncSession, chunk: list[Claimed], now: datetime, lease: timedelta
) -> set[int]:
    """Extend the lease on the rows of ``chunk`` this worker still holds, right before sending.

    A worker stalled past its lease (an overloaded machine, a long GC pause) may find that
    another worker re-claimed some rows meanwhile; the attempt counter, bumped by every claim,
    tells: rows whose counter moved are no longer ours and are not sent again. The renewal is
    committed before the chunk goes out, so the rows stay ours for a full lease while sending.
    """
    if not chunk:
        return set()
    held = await session.execute(
        update(Delivery)
        .where(
            tuple_(Delivery.id, Delivery.attempts).in_([(c.id, c.attempts) for c in chunk]),
            Delivery.status == "claimed",
        )
        .values(lease_until=now + lease)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(held.scalars())


@dataclass(slots=True)
class Outcomes:
    """Outcomes gathered for one chunk, written in one go before the next chunk is sent."""

    rows: list[dict[str, object]]

    def __init__(self) -> None:
        self.rows = []

    def sent(self, row_id: int, at: datetime, provider: str, provider_id: str | None) -> None:
        self.rows.append(
            {
                "id": row_id,
                "status": "sent",
                "reason": None,
                "sent_at": at,
                "provider": provider,
                "provider_message_id": provider_id,
                "lease_until": None,
                "error": None,
            }
        )

    def skipped(self, row_id: int, reason: str) -> None:
        self.rows.append({"id": row_id, "status": "skipped", "reason": reason, "lease_until": None})

    def failed(self, row_id: int, provider: str, error: str) -> None:
        self.rows.append(
            {
                "id": row_id,
                "status": "failed",
                "reason": "provider_refused",
                "provider": provider,
                "error": error[:2000],
                "lease_until": None,
            }
        )

    def later(self, row_id: int, due_at: datetime, reason: str, error: str | None = None) -> None:
        values: dict[str, object] = {
            "id": row_id,
            "status": "queued",
            "reason": reason,
            "due_at": due_at,
            "lease_until": None,
        }
        if error is not None:
            values["error"] = error[:2000]
        self.rows.append(values)

    async def flush(self, session: AsyncSession) -> None:
        if not self.rows:
            return
        # Group by the set of columns so each executemany shares one statement.
        groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for row in self.rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        table = cast(Table, Delivery.__table__)
        for keys, params in groups.items():
            # Core executemany (pipelined by psycopg) rather than the ORM's bulk UPDATE: this
            # runs once per chunk on the hot path.
            stmt = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({k: bindparam(f"v_{k}") for k in keys if k != "id"})
            )
            await session.execute(
                stmt,
                [
                    {"row_id": p["id"], **{f"v_{k}": v for k, v in p.items() if k != "id"}}
                    for p in params
                ],
            )
        self.rows = []


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


async def release(session: AsyncSession, row_ids: list[int]) -> None:
    """Give claimed rows back (pause): queued again, attempt not counted."""
    if not row_ids:
        return
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(row_ids), Delivery.status == "claimed")
        .values(status="queued", lease_until=None, attempts=Delivery.attempts - 1)
        .execution_options(synchronize_session=False)
    )
