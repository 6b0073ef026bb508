"""The tracking hot path: verify, remember, answer — and write events in batches.

Requests only verify the token (an HMAC) and append to an in-memory buffer; a background task
writes the buffer every ``interval`` seconds (or sooner when ``max_batch`` events wait) with one
multi-row insert, flags machine events, and moves subscribers' ``last_open_at`` /
``last_click_at``. Link destinations are cached per process (they never change once a campaign
started). A flush failure keeps the events for the next attempt; ``close`` flushes what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.compliance.keys import instance_key
from herald.kit import clock
from herald.kit.crypto import keyed_hash
from herald.kit.db import transaction
from herald.kit.errors import TokenInvalid
from herald.kit.logging import get_logger
from herald.kit.tokens import Purpose, TokenSigner
from herald.models.audience import Subscriber
from herald.models.campaigns import Campaign, CampaignLink, Delivery
from herald.models.tracking import TrackingEvent
from herald.tracking.machine import is_machine

log = get_logger(__name__)
MAX_UA = 512


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # open | click
    subscriber_id: int
    campaign_id: int
    link_id: int | None
    at: datetime
    ip: str | None
    user_agent: str | None


class _Lru(OrderedDict[int, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: int, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class Recorder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: TokenSigner,
        *,
        interval: float = 0.5,
        max_batch: int = 2000,
        max_buffer: int = 200_000,
    ) -> None:
        self.sessions = sessions
        self.signer = signer
        self.interval = interval
        self.max_batch = max_batch
        self.max_buffer = max_buffer
        self.buffer: list[Hit] = []
        self.links: _Lru = _Lru(50_000)
        self.tenants: _Lru = _Lru(10_000)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.recorded = 0
        self.dropped = 0

    # --- request side (no database unless a cache misses) ---------------------------------

    def open(self, token: str, ip: str | None, user_agent: str | None) -> bool:
        try:
            claims = self.signer.verify(token, Purpose.OPEN)
        except TokenInvalid:
            return False
        self._add(Hit("open", claims.subject, claims.obj, None, clock.now(), ip, user_agent))
        return True

    async def click(
        self, token: str, ip: str | None, user_agent: str | None, *, expect: str | None = None
    ) -> str | None:
        """The stored destination for a valid click token (None: answer 404). With ``expect``
        (a ``url`` the request carried), anything but the stored destination is refused."""
        try:
            claims = self.signer.verify(token, Purpose.CLICK)
        except TokenInvalid:
            return None
        link = self.links.get(claims.obj)
        if link is None:
            async with self.sessions() as session:
                row = (
                    await session.execute(
                        select(CampaignLink.campaign_id, CampaignLink.url).where(
                            CampaignLink.id == claims.obj
                        )
                    )
                ).one_or_none()
            if row is None:
                return None
            link = (row.campaign_id, row.url)
            self.links.put(claims.obj, link)
        campaign_id, url = link
        if expect is not None and expect != url:
            return None
        self._add(
            Hit("click", claims.subject, campaign_id, claims.obj, clock.now(), ip, user_agent)
        )
        return str(url)

    def _add(self, hit: Hit) -> None:
        if len(self.buffer) >= self.max_buffer:
            self.dropped += 1  # the database is down for long: shed load instead of memory
            return
        self.buffer.append(hit)
        if len(self.buffer) >= self.max_batch:
            self._wake.set()

    # --- background writer ----------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # keep the events; try again next round
                log.warning("tracking.flush_failed", error=f"{type(exc).__name__}: {exc}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> int:
        async with self._lock:
            written = 0
            while self.buffer:
                batch = self.buffer[: self.max_batch]
                await self._write(batch)
                del self.buffer[: len(batch)]
                written += len(batch)
            self.recorded += written
            return written

    async def _tenant_ids(self, session: AsyncSession, campaign_ids: set[int]) -> None:
        missing = [c for c in campaign_ids if c not in self.tenants]
        if missing:
            rows = await session.execute(
                select(Campaign.id, Campaign.tenant_id).where(Campaign.id.in_(missing))
            )
            for cid, tid in rows:
                self.tenants.put(cid, tid)

    async def _write(self, batch: list[Hit]) -> None:
        async with transaction(self.sessions) as session:
            await self._tenant_ids(session, {h.campaign_id for h in batch})
            pairs = {(h.campaign_id, h.subscriber_id) for h in batch}
            sent_at = await self._sent_at(session, pairs)
            hashed = _Hasher(await instance_key(session, "consent_pepper"))
            values = []
            for h in batch:
                ua = (h.user_agent or "")[:MAX_UA] or None
                values.append(
                    {
                        "tenant_id": self.tenants.get(h.campaign_id),
                        "campaign_id": h.campaign_id,
                        "variant": None,
                        "subscriber_id": h.subscriber_id,
                        "kind": h.kind,
                        "link_id": h.link_id,
                        "machine": is_machine(
                            ua, h.at, sent_at.get((h.campaign_id, h.subscriber_id))
                        ),
                        "ip_hash": hashed("ip", h.ip),
                        "user_agent_hash": hashed("ua", ua),
                        "occurred_at": h.at,
                    }
                )
            # Core insert (executemany → multi-row VALUES): the ORM bulk path costs more per row
            events: Table = TrackingEvent.__table__  # type: ignore[assignment]
            await session.execute(insert(events), values)
            await self._touch(session, values)

    @staticmethod
    async def _sent_at(
        session: AsyncSession, pairs: set[tuple[int, int]]
    ) -> dict[tuple[int, int], datetime | None]:
        sent_at: dict[tuple[int, int], datetime | None] = {}
        pair_list = list(pairs)
        for start in range(0, len(pair_list), 500):
            part = pair_list[start : start + 500]
            rows = await session.execute(
                select(Delivery.campaign_id, Delivery.subscriber_id, Delivery.sent_at).where(
                    tuple_(Delivery.campaign_id, Delivery.subscriber_id).in_(part)
                )
            )
            for cid, sid, at in rows:
                sent_at[(cid, sid)] = at
        return sent_at

    async def _touch(self, session: AsyncSession, values: list[dict[str, Any]]) -> None:
        """Move ``last_open_at``/``last_click_at`` forward (human events only): one executemany
        per kind rather than a statement per subscriber."""
        latest: dict[tuple[int, str], datetime] = {}
        for v in values:
            if v["machine"]:
                continue
            key = (v["subscriber_id"], v["kind"])
            if key not in latest or v["occurred_at"] > latest[key]:
                latest[key] = v["occurred_at"]
        connection = await session.connection()
        table: Table = Subscriber.__table__  # type: ignore[assignment]
        for kind, column in (("open", table.c.last_open_at), ("click", table.c.last_click_at)):
            params = [{"sid": sid, "at": at} for (sid, k), at in latest.items() if k == kind]
            if not params:
                continue
            statement = (
                update(table)
                .where(table.c.id == bindparam("sid"))
                .where(or_(column.is_(None), column < bindparam("at")))
                .values({column.key: bindparam("at")})
            )
            await connection.execute(statement, params)


class _Hasher:
    """Keyed hashes of IP addresses and user agents for one batch; repeats are hashed once."""

    def __init__(self, pepper: bytes) -> None:
        self.pepper = pepper
        self.seen: dict[tuple[str, str], str] = {}

    def __call__(self, label: str, value: str | None) -> str | None:
        if not value:
            return None
        key = (label, value)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = keyed_hash(self.pepper, label, value)
        return found


async def purge_events(session: AsyncSession, older_than: datetime, batch: int = 10_000) -> int:
    """Delete tracking events older than the retention cut-off, in bounded batches."""
    total = 0
    while True:
        ids = (
            (
                await session.execute(
                    select(TrackingEvent.id)
                    .where(TrackingEvent.occurred_at < older_than)
                    .limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not ids:
            return total
        await session.execute(delete(TrackingEvent).where(TrackingEvent.id.in_(ids)))
        total += len(ids)
