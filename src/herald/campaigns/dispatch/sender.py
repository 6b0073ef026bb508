"""The send loop every worker runs: take allowance, claim rows, re-check, compose, send, record.

Rows are sent in chunks of ``chunk`` messages (by default one per pooled connection). Before a
chunk goes out, one transaction writes the previous chunk's outcomes, reads the campaign status
(pause/cancel take effect here) and re-checks each recipient's subscription and suppression
state. So a worker killed at any point leaves at most one chunk — one message per connection —
sent but not recorded; those are the only messages a restart can repeat.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.campaigns.audience import active_membership
from herald.campaigns.dispatch import claim, quiet
from herald.campaigns.dispatch.compose import CampaignKit, Recipient
from herald.campaigns.dispatch.kit import build_kit
from herald.campaigns.dispatch.pacing import give_back, take_allowance
from herald.campaigns.dispatch.starter import due_campaigns, finish_if_done, start_campaign
from herald.compliance.suppression import email_hash, suppressed_hashes
from herald.delivery.message import EmailDistributor, SendResult
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.errors import HeraldError
from herald.kit.logging import get_logger
from herald.kit.settings import Settings
from herald.kit.tokens import TokenSigner
from herald.models.audience import Subscriber, Subscription
from herald.models.campaigns import Campaign

log = get_logger(__name__)


@dataclass(slots=True)
class Dispatcher:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    signer: TokenSigner
    distributor: EmailDistributor
    chunk: int = 4
    kits: dict[int, CampaignKit] = field(default_factory=dict)
    sleep: Any = asyncio.sleep

    # --- campaign state -------------------------------------------------------------------

    async def start_due(self) -> int:
        async with transaction(self.sessions) as session:
            ids = await due_campaigns(session)
        started = 0
        for campaign_id in ids:
            started += await self.start(campaign_id)
        return started

    async def start(self, campaign_id: int) -> bool:
        async with transaction(self.sessions) as session:
            return await start_campaign(session, campaign_id)

    async def _kit(self, session: AsyncSession, campaign_id: int) -> CampaignKit | None:
        kit = self.kits.get(campaign_id)
        if kit is None:
            campaign = await session.get(Campaign, campaign_id)
            if campaign is None:
                return None
            kit = await build_kit(session, self.settings, self.signer, campaign)
            if len(self.kits) > 64:
                self.kits.clear()
            self.kits[campaign_id] = kit
        return kit

    # --- the send pass --------------------------------------------------------------------

    async def send_pass(self, budget: float | None = None) -> int:
        """Send what is due and allowed, for up to ``budget`` seconds; returns messages sent
        (or otherwise settled), 0 when there was nothing to do."""
        deadline = time.monotonic() + (budget or self.settings.dispatch_budget_seconds)
        async with transaction(self.sessions) as session:
            campaigns = (
                await session.execute(
                    select(Campaign.id, Campaign.throttle_per_hour).where(
                        Campaign.status == "sending"
                    )
                )
            ).all()
        done = 0
        for campaign_id, per_hour in campaigns:
            done += await self._send_campaign(campaign_id, per_hour, deadline)
        return done

    async def _send_campaign(self, campaign_id: int, per_hour: int, deadline: float) -> int:
        settings = self.settings
        lease = timedelta(seconds=settings.dispatch_lease_seconds)
        done = 0
        while time.monotonic() < deadline:
            now = clock.now()
            async with transaction(self.sessions) as session:
                granted, wait = await take_allowance(
                    session, campaign_id, now, settings.dispatch_batch
                )
                rows = await claim.claim_rows(session, campaign_id, now, granted, lease)
                await give_back(session, campaign_id, per_hour, granted - len(rows))
            if not rows:
                if granted:  # nothing due at all: maybe finished
                    async with transaction(self.sessions) as session:
                        await finish_if_done(session, campaign_id)
                    break
                if wait > 1.0 or time.monotonic() + wait >= deadline:
                    break
                await self.sleep(wait)
                continue
            settled, stopped = await self._send_rows(campaign_id, rows)
            done += settled
            if stopped:
                break
        return done

    async def _send_rows(self, campaign_id: int, rows: list[claim.Claimed]) -> tuple[int, bool]:
        outcomes = claim.Outcomes()
        settled = 0
        for index, chunk in enumerate(_chunks(rows, max(1, self.chunk))):
            async with transaction(self.sessions) as session:
                await outcomes.flush(session)
                status = (
                    await session.execute(
                        select(Campaign.status, Campaign.quiet_hours_override).where(
                            Campaign.id == campaign_id
                        )
                    )
                ).one_or_none()
                if status is None or status.status != "sending":
                    rest = [r.id for r in rows[index * max(1, self.chunk) :]]
                    await claim.release(session, rest)
                    return settled, True
                lease = timedelta(seconds=self.settings.dispatch_lease_seconds)
                held = await claim.renew(session, chunk, clock.now(), lease)
                chunk = [c for c in chunk if c.id in held]  # others were re-claimed: not ours
                kit = await self._kit(session, campaign_id)
                if kit is None:
                    return settled, True
                ready = await self._recheck(session, kit, chunk, outcomes, status[1])
                await outcomes.flush(session)
            settled += len(chunk) - len(ready)
            if not ready:
                continue
            pairs = []
            for recipient in ready:
                try:
                    pairs.append((recipient, kit.compose(recipient)))
                except HeraldError as exc:  # a merge error for this recipient's data
                    outcomes.failed(recipient.delivery_id, "herald", exc.message)
                    settled += 1
            messages = [m for _, m in pairs]
            results = await self.distributor.send_bulk(messages) if messages else []
            self._outcomes(outcomes, chunk, [r for r, _ in pairs], results)
            settled += len(results)
        async with transaction(self.sessions) as session:
            await outcomes.flush(session)
        return settled, False

    def _outcomes(
        self,
        outcomes: claim.Outcomes,
        chunk: list[claim.Claimed],
        ready: list[Recipient],
        results: list[SendResult],
    ) -> None:
        attempts = {c.id: c.attempts for c in chunk}
        now = clock.now()
        for recipient, result in zip(ready, results, strict=True):
            row_id = recipient.delivery_id
            if result.accepted:
                outcomes.sent(row_id, now, result.provider, result.provider_message_id)
            elif result.permanent or attempts.get(row_id, 1) >= claim.MAX_ATTEMPTS:
                outcomes.failed(row_id, result.provider, result.error or "refused")
            else:
                delay = claim.retry_delay(attempts.get(row_id, 1))
                if result.retry_after:
                    delay = max(delay, timedelta(seconds=result.retry_after))
                outcomes.later(row_id, now + delay, "retry", result.error or "temporary failure")

    async def _recheck(
        self,
        session: AsyncSession,
        kit: CampaignKit,
        chunk: list[claim.Claimed],
        outcomes: claim.Outcomes,
        override_quiet: bool,
    ) -> list[Recipient]:
        """Right before sending: still subscribed, not suppressed, not in quiet hours."""
        list_id = (
            select(func.min(Subscription.list_id))
            .where(active_membership(kit.list_ids))
            .scalar_subquery()
        )
        by_id = {
            r.id: r
            for r in (
                await session.execute(
                    select(
                        Subscriber.id,
                        Subscriber.email,
                        Subscriber.email_normalized,
                        Subscriber.name,
                        Subscriber.language,
                        Subscriber.country,
                        Subscriber.timezone,
                        Subscriber.attributes,
                        list_id.label("list_id"),
                    ).where(Subscriber.id.in_([c.subscriber_id for c in chunk]))
                )
            ).all()
        }
        hashes = {
            sid: await email_hash(session, row.email_normalized) for sid, row in by_id.items()
        }
        blocked = await suppressed_hashes(
            session, hashes.values(), tenant_id=kit.tenant_id, stream="marketing"
        )
        default_tz = kit.default_zone
        now = clock.now()
        start, end = self.settings.quiet_hours_start, self.settings.quiet_hours_end
        ready: list[Recipient] = []
        for c in chunk:
            row = by_id.get(c.subscriber_id)
            if row is None:
                outcomes.skipped(c.id, "erased")
                continue
            if hashes[c.subscriber_id] in blocked:
                outcomes.skipped(c.id, "suppressed")
                continue
            if row.list_id is None:
                outcomes.skipped(c.id, "unsubscribed")
                continue
            if not override_quiet:
                tz = quiet.zone(row.timezone) or default_tz
                until = quiet.quiet_until(now, tz, start, end)
                if until is not None:
                    outcomes.later(c.id, until, "quiet_hours")
                    continue
            ready.append(
                Recipient(
                    delivery_id=c.id,
                    subscriber_id=row.id,
                    email=row.email_normalized,
                    name=row.name,
                    language=row.language,
                    country=row.country,
                    timezone=row.timezone,
                    attributes=row.attributes or {},
                    list_id=int(row.list_id),
                    variant=c.variant,
                )
            )
        return ready


def _chunks(rows: list[claim.Claimed], size: int) -> Iterator[list[claim.Claimed]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def tick(dispatcher: Dispatcher) -> None:
    """The periodic safety net: start due campaigns, finish drained ones."""
    await dispatcher.start_due()
    async with transaction(dispatcher.sessions) as session:
        sending = (
            await session.execute(select(Campaign.id).where(Campaign.status == "sending"))
        ).scalars()
        ids = list(sending)
    for campaign_id in ids:
        async with transaction(dispatcher.sessions) as session:
            await finish_if_done(session, campaign_id)
