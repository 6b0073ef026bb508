"""Quiet hours: marketing mail waits while it is night where the recipient is."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def in_quiet_hours(now: datetime, tz: ZoneInfo, start: int = 22, end: int = 7) -> bool:
    hour = now.astimezone(tz).hour
    if start == end:
        return False
    if start > end:  # spans midnight, e.g. 22 → 7
        return hour >= start or hour < end
    return start <= hour < end


def quiet_until(now: datetime, tz: ZoneInfo, start: int = 22, end: int = 7) -> datetime | None:
    """When sending may resume for a recipient in ``tz`` (None: it may send now)."""
    if not in_quiet_hours(now, tz, start, end):
        return None
    local = now.astimezone(tz)
    resume = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if resume <= local:
        resume += timedelta(days=1)
    # Normalise through UTC so a DST change on that night lands on the real wall-clock hour.
    naive = resume.replace(tzinfo=None)
    return naive.replace(tzinfo=tz).astimezone(UTC)
