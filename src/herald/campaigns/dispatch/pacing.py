"""Smooth pacing for ``throttle_per_hour``.

:func:`grant` is the bucket arithmetic; :func:`take_allowance` applies it to the bucket kept in the
campaign row (``pace_cursor``: the instant up to which allowance has been handed out), so any
number of workers share one rate.
The bucket holds at most ``burst_seconds`` of allowance, so a send never bunches up more than
about a second's worth of mail.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.models.campaigns import Campaign

BURST_SECONDS = 1.0


def grant(
    cursor: datetime | None, now: datetime, per_hour: int, want: int
) -> tuple[int, datetime, float]:
    """Pure bucket arithmetic: (granted, new cursor, seconds until the next unit)."""
    rate = per_hour / 3600.0
    burst = max(1.0 / rate, BURST_SECONDS)
    floor = now - timedelta(seconds=burst)
    if cursor is None:  # a campaign's first message: one unit, not a full bucket, so the
        start = now - timedelta(seconds=1.0 / rate)  # rate over any window starts exact
    else:
        start = cursor if cursor > floor else floor
    available = (now - start).total_seconds() * rate
    granted = max(0, min(want, math.floor(available + 1e-9)))
    new_cursor = start + timedelta(seconds=granted / rate)
    wait = max(0.0, 1.0 / rate - (now - new_cursor).total_seconds())
    return granted, new_cursor, wait


async def take_allowance(
    session: AsyncSession, campaign_id: int, now: datetime, want: int
) -> tuple[int, float]:
    """Take up to ``want`` sends from the campaign's shared bucket (in the caller's
    transaction, which holds the row lock until it commits)."""
    query = select(Campaign.pace_cursor, Campaign.throttle_per_hour).where(
        Campaign.id == campaign_id
    )
    query = query.with_for_update()  # the SQLite dialect omits it (one writer anyway)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return 0, 1.0
    granted, cursor, wait = grant(row.pace_cursor, now, row.throttle_per_hour, want)
    if granted:
        await session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(pace_cursor=cursor)
        )
    return granted, wait


async def give_back(session: AsyncSession, campaign_id: int, per_hour: int, unused: int) -> None:
    """Return allowance that was taken but not used (fewer rows due than granted)."""
    if unused <= 0:
        return
    row = (
        await session.execute(select(Campaign.pace_cursor).where(Campaign.id == campaign_id))
    ).scalar_one_or_none()
    if row is None:
        return
    back = timedelta(seconds=unused * 3600.0 / per_hour)
    await session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(pace_cursor=row - back)
    )
