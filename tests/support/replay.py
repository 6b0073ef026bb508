"""A seeded, realistic feedback feed for replay tests: an audience in two tenants and the provider
events (Mailjet Event API v2, ACS/Event Grid) its campaigns produce, plus a snapshot of every
piece of state feedback can change, keyed by address so two databases compare directly.

Per-subscriber timelines follow what providers report: a message is delivered (then maybe opened,
clicked, unsubscribed from or reported as spam), soft-bounces, hard-bounces or is blocked; after a
hard bounce, a complaint or an unsubscribe nothing more is sent, and a sender stops after five
soft bounces in a row.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from herald.accounts.context import SYSTEM
from herald.accounts.service import create_tenant
from herald.audience.lists import create_list
from herald.audience.schemas import ListCreate
from herald.audience.states import Status
from herald.audience.subscribers import ensure_subscription, upsert_subscriber
from herald.compliance import suppression
from herald.delivery import ids
from herald.kit.db import transaction
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.compliance import ConsentRecord, Suppression
from herald.models.delivery import DeliveryEvent
from herald.runtime import Runtime

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # the audience subscribes at the frozen clock
TENANTS = ("acme", "globex")
CAMPAIGN_EVERY = timedelta(hours=6)
PROFILES = (("healthy", 55), ("flaky", 22), ("dead", 8), ("complainer", 7), ("leaver", 8))


@dataclass(frozen=True, slots=True)
class Person:
    tenant: str
    email: str
    lists: tuple[str, ...]
    profile: str


@dataclass(slots=True)
class Feed:
    """Provider events, each ``(provider, occurred_at, payload)``."""

    events: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)

    def kinds(self) -> Counter[str]:
        return Counter(_kind(p, e) for p, _, e in self.events)


def _kind(provider: str, event: dict[str, Any]) -> str:
    if provider == "mailjet":
        if event["event"] == "bounce":
            return "bounce_hard" if event["hard_bounce"] else "bounce_soft"
        return str(event["event"])
    data = event["data"]
    return str(data.get("status") or data.get("engagementType"))


def people(seed: int, per_tenant: int) -> list[Person]:
    rng = random.Random(seed)
    names = [name for name, _ in PROFILES]
    weights = [weight for _, weight in PROFILES]
    domains = ("example.com", "example.net", "example.org", "mail.example")
    out = []
    for tenant in TENANTS:
        for i in range(per_tenant):
            lists = ("news", "offers") if rng.random() < 0.5 else ("news",)
            profile = rng.choices(names, weights)[0]
            email = f"{tenant}.{i:03d}@{domains[i % len(domains)]}"
            out.append(Person(tenant, email, lists, profile))
    return out


async def make_people(rt: Runtime, crowd: list[Person]) -> dict[str, tuple[int, int]]:
    """Create the tenants, lists and active subscriptions; (tenant id, subscriber id) by address."""
    sids: dict[str, tuple[int, int]] = {}
    async with transaction(rt.sessions) as s:
        for tenant in TENANTS:
            await create_tenant(s, tenant, tenant.title())
            lists = {
                slug: await create_list(
                    s, SYSTEM, ListCreate(slug=slug, name=slug, tenant=tenant, double_opt_in=False)
                )
                for slug in ("news", "offers")
            }
            for person in (p for p in crowd if p.tenant == tenant):
                sub, _ = await upsert_subscriber(
                    s, tenant_id=lists["news"].tenant_id, email=person.email
                )
                for slug in person.lists:
                    await ensure_subscription(
                        s, sub, lists[slug], initial=Status.ACTIVE, reason="test"
                    )
                sids[person.email] = (sub.tenant_id or 0, sub.id)
    return sids


def feed(seed: int, crowd: list[Person], sids: dict[str, tuple[int, int]], campaigns: int) -> Feed:
    rng = random.Random(seed + 1)
    out = Feed()
    for person in crowd:
        end = rng.randrange(2, campaigns + 1)  # when a dead/complaining/leaving address ends
        soft_run = 0
        clock = START
        for campaign in range(1, campaigns + 1):
            sent = START + campaign * CAMPAIGN_EVERY + timedelta(seconds=rng.randrange(3600))
            clock = max(clock + timedelta(seconds=1), sent)
            acs = rng.random() < 0.15
            tenant_id, sid = sids[person.email]
            msg = _Message(person, sid, campaign, tenant_id, acs, rng, clock)
            outcome = _outcome(person.profile, campaign, end, rng)
            msg.emit(outcome)
            out.events.extend(msg.events)
            clock = msg.clock
            soft_run = soft_run + 1 if outcome == "soft" else 0
            if outcome in ("hard", "spam", "unsub") or soft_run >= 5:
                break
    return out


def _outcome(profile: str, campaign: int, end: int, rng: random.Random) -> str:
    if profile == "flaky":
        return "soft" if rng.random() < 0.72 else "delivered"
    if campaign == end and profile in ("dead", "complainer", "leaver"):
        return {"dead": "hard", "complainer": "spam", "leaver": "unsub"}[profile]
    roll = rng.random()
    return "soft" if roll < 0.05 else "blocked" if roll < 0.08 else "delivered"


class _Message:
    def __init__(
        self,
        person: Person,
        sid: int,
        campaign: int,
        tenant_id: int,
        acs: bool,
        rng: random.Random,
        clock: datetime,
    ) -> None:
        self.person, self.rng, self.clock, self.acs = person, rng, clock, acs
        self.key = str(ids.marketing_key(campaign, sid))
        self.message_id = rng.randrange(10**16, 10**17)
        self.payload = json.dumps({"tenant": tenant_id, "category": "marketing"})
        self.events: list[tuple[str, datetime, dict[str, Any]]] = []

    def _tick(self, low: int, high: int) -> datetime:
        self.clock += timedelta(seconds=self.rng.randrange(low, high))
        return self.clock

    def emit(self, outcome: str) -> None:
        if outcome == "soft":
            self._add("bounce", self._tick(30, 900), hard=False)
            return
        if outcome == "hard":
            self._add("bounce", self._tick(2, 60), hard=True)
            return
        if outcome == "blocked":
            self._add("blocked", self._tick(1, 10))
            return
        self._add("sent", self._tick(1, 30))
        opens = self.rng.choice((0, 0, 1, 1, 2, 3)) if outcome == "delivered" else 1
        for _ in range(opens):
            self._add("open", self._tick(60, 7200))
            if self.rng.random() < 0.35:
                self._add("click", self._tick(5, 120))
        if outcome in ("spam", "unsub"):
            self._add(outcome, self._tick(10, 600))

    def _add(self, event: str, when: datetime, hard: bool = False) -> None:
        if self.acs and event in ("bounce", "sent", "blocked", "open", "click"):
            self.events.append(("acs", when, self._acs(event, when, hard)))
            return
        item: dict[str, Any] = {
            "event": event,
            "time": int(when.timestamp()),
            "MessageID": self.message_id,
            "Message_GUID": f"{self.message_id:x}-guid",
            "email": self.person.email,
            "mj_campaign_id": 7000,
            "mj_contact_id": self.message_id % 100000,
            "customcampaign": self.key,
            "CustomID": self.key,
            "Payload": self.payload,
        }
        if event == "bounce":
            item.update(blocked=False, hard_bounce=hard, error_related_to="recipient")
            item["error"] = "user unknown" if hard else "mailbox full"
        elif event == "blocked":
            item.update(error_related_to="recipient", error="preblocked")
        elif event == "spam":
            item["source"] = "JMRPP"
        elif event == "unsub":
            item["mj_list_id"] = 1
        elif event == "open":
            item.update(ip="198.51.100.7", geo="FR", agent="Mozilla/5.0")
        elif event == "click":
            item.update(url="https://herald.example/r/abc", ip="198.51.100.7")
        self.events.append(("mailjet", when, item))

    def _acs(self, event: str, when: datetime, hard: bool) -> dict[str, Any]:
        stamp = when.isoformat().replace("+00:00", "Z")
        event_id = f"eg-{self.message_id}-{event}-{int(when.timestamp())}"
        base = {
            "id": event_id,
            "topic": "/subscriptions/0000/resourceGroups/rg/providers/microsoft.communication/"
            "communicationservices/herald-acs",
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "eventTime": stamp,
        }
        if event in ("open", "click"):
            return {
                **base,
                "eventType": "Microsoft.Communication.EmailEngagementTrackingReportReceived",
                "data": {
                    "sender": "news@herald.example",
                    "recipient": self.person.email,
                    "messageId": f"{self.message_id:x}",
                    "userActionTimestamp": stamp,
                    "engagementContext": "https://herald.example/r/abc" if event == "click" else "",
                    "userAgent": "Mozilla/5.0",
                    "engagementType": "view" if event == "open" else "click",
                },
            }
        status, message = {
            "sent": ("Delivered", ""),
            "blocked": ("FilteredSpam", "Message identified as spam"),
            "bounce": ("Bounced", "550 5.1.1 user unknown")
            if hard
            else ("Failed", "452 4.2.2 mailbox full"),
        }[event]
        return {
            **base,
            "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
            "subject": f"sender/news@herald.example/message/{self.message_id:x}",
            "data": {
                "sender": "news@herald.example",
                "recipient": self.person.email,
                "messageId": f"{self.message_id:x}",
                "status": status,
                "deliveryStatusDetails": {"statusMessage": message},
                "deliveryAttemptTimeStamp": stamp,
            },
        }


async def snapshot(rt: Runtime, emails: list[str]) -> dict[str, Any]:
    """Every piece of state feedback can change, keyed by address and slugs (not row ids)."""
    async with transaction(rt.sessions) as s:
        by_hash = {await suppression.email_hash(s, e): e for e in emails}
        tenants = {row[0]: row[1] for row in await s.execute(select(Tenant.id, Tenant.slug))}
        subs = await s.execute(
            select(Subscriber.email_normalized, NewsletterList.slug, Subscription.status)
            .join(Subscription, Subscription.subscriber_id == Subscriber.id)
            .join(NewsletterList, NewsletterList.id == Subscription.list_id)
        )
        supp = await s.execute(
            select(
                Suppression.email_hash, Suppression.scope, Suppression.stream, Suppression.reason
            )
        )
        counts = await s.execute(select(Subscriber.email_normalized, Subscriber.soft_bounce_count))
        events = await s.execute(
            select(DeliveryEvent.provider, DeliveryEvent.event_key, DeliveryEvent.kind)
        )
        consent = await s.execute(
            select(Subscriber.email_normalized, NewsletterList.slug, ConsentRecord.method)
            .join(ConsentRecord, ConsentRecord.subscriber_id == Subscriber.id)
            .join(NewsletterList, NewsletterList.id == ConsentRecord.list_id)
            .where(ConsentRecord.action == "withdrawn")
        )
        return {
            "subscriptions": {(e, slug): status for e, slug, status in subs},
            "suppressions": Counter(
                (by_hash.get(h, h), tenants.get(scope, scope), stream, reason)
                for h, scope, stream, reason in supp
            ),
            "soft_bounce_count": {row[0]: row[1] for row in counts},
            "delivery_events": {(p, k, kind) for p, k, kind in events},
            "withdrawals": Counter((e, slug, m) for e, slug, m in consent),
        }
