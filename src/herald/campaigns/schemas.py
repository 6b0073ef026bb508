"""What a campaign is made of, as the service takes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_THROTTLE = 5000
MAX_THROTTLE = 10_000_000


@dataclass(slots=True)
class CampaignInput:
    name: str
    subject: str
    template_id: int
    from_email: str
    lists: list[str] = field(default_factory=list)
    segment_id: int | None = None
    from_name: str | None = None
    reply_to: str | None = None
    preheader: str | None = None
    throttle_per_hour: int | None = None
    send_time_optimization: bool = False
    variants: list[dict[str, Any]] = field(default_factory=list)
    merge_data: dict[str, Any] = field(default_factory=dict)
    tenant: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


@dataclass(frozen=True, slots=True)
class Stats:
    recipients: int
    sent: int
    delivered: int
    failed: int
    skipped: int
    queued: int
    opens: int
    human_opens: int
    clicks: int
    unsubscribes: int
    bounces: int
    complaints: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    send_at: datetime | None = None
