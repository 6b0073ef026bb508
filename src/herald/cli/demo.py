"""Demo data for `make demo`: realistic, deterministic, and idempotent."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from sqlalchemy import func, insert, select

from herald.accounts.service import actor_for, create_api_token, create_operator, create_tenant
from herald.audience.states import Status
from herald.cli.demo_content import seed_content
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.accounts import Operator, Tenant
from herald.models.audience import (
    NewsletterList,
    Subscriber,
    Subscription,
    SubscriptionTransition,
)
from herald.models.compliance import ConsentRecord
from herald.runtime import Runtime

DEMO_PASSWORD = "herald-demo-password"  # noqa: S105 - documented demo login, local only
TENANTS = [
    (
        "nordic-chess",
        "Nordic Chess Federation",
        "Europe/Stockholm",
        "Sveavägen 12, 111 57 Stockholm, Sweden",
        [("members-news", "Members' news"), ("tournament-alerts", "Tournament alerts")],
    ),
    (
        "padel-league",
        "Padel League",
        "Europe/Madrid",
        "Calle de Alcalá 45, 28014 Madrid, Spain",
        [("weekly-digest", "Weekly digest"), ("event-invites", "Event invitations")],
    ),
]
PLATFORM_LIST = ("herald-news", "Herald product news")
FIRST = [
    "Anna",
    "Erik",
    "Maja",
    "Lucas",
    "Chloé",
    "Hugo",
    "Lucía",
    "Mateo",
    "Elsa",
    "Oscar",
    "Inès",
    "Pablo",
    "Sofia",
    "Noah",
    "Léa",
    "Alba",
    "Nils",
    "Clara",
    "Jules",
    "Marta",
]
LAST = [
    "Lindqvist",
    "Berg",
    "Martin",
    "Dubois",
    "García",
    "López",
    "Nilsson",
    "Moreau",
    "Fernández",
    "Karlsson",
    "Bernard",
    "Sánchez",
    "Holm",
    "Petit",
    "Ruiz",
    "Ek",
]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "post.example"]
PROFILES = [  # (language, country, timezone)
    ("sv", "SE", "Europe/Stockholm"),
    ("en", "GB", "Europe/London"),
    ("fr", "FR", "Europe/Paris"),
    ("fr", "BE", "Europe/Brussels"),
    ("fr", "CH", "Europe/Zurich"),
    ("es", "ES", "Europe/Madrid"),
    ("es", "MX", "America/Mexico_City"),
    ("en", "US", "America/New_York"),
    ("en", "AU", "Australia/Sydney"),
    ("sv", "FI", "Europe/Helsinki"),
]
ROLES = ["player", "player", "player", "coach", "referee", "club_admin", "federation_admin"]
STATUS_WEIGHTS = [
    (Status.ACTIVE, 80),
    (Status.PENDING, 7),
    (Status.UNSUBSCRIBED, 9),
    (Status.BOUNCED, 3),
    (Status.COMPLAINED, 1),
]


def _ascii(name: str) -> str:
    """Chloé → chloe: people's addresses are mostly plain ASCII even when their names are not."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii())


async def seed_demo(rt: Runtime, subscriber_count: int) -> str:
    rng = random.Random(20261123)
    now = clock.now()
    async with transaction(rt.sessions) as session:
        if (await session.execute(select(func.count()).select_from(Tenant))).scalar_one():
            return "demo data already present; nothing to do"
        sys_op = await create_operator(
            session, "admin@herald.example", DEMO_PASSWORD, "sys", name="Demo Admin"
        )
        token = await create_api_token(session, sys_op, "demo")
        scopes: list[tuple[int | None, list[NewsletterList]]] = []
        platform = NewsletterList(
            tenant_id=None,
            scope=0,
            slug=PLATFORM_LIST[0],
            name=PLATFORM_LIST[1],
            languages=["en", "sv", "fr", "es"],
            double_opt_in=True,
            timezone="UTC",
        )
        session.add(platform)
        await session.flush()
        scopes.append((None, [platform]))
        for slug, name, tz, address, list_specs in TENANTS:
            tenant = await create_tenant(session, slug, name, postal_address=address, timezone=tz)
            await create_operator(
                session,
                f"admin@{slug}.example",
                DEMO_PASSWORD,
                "tenant_admin",
                tenant_slug=slug,
                name=f"{name} admin",
            )
            rows = []
            for lslug, lname in list_specs:
                row = NewsletterList(
                    tenant_id=tenant.id,
                    scope=tenant.id,
                    slug=lslug,
                    name=lname,
                    languages=["en", "sv", "fr", "es"],
                    double_opt_in=True,
                    timezone=tz,
                )
                session.add(row)
                rows.append(row)
            await session.flush()
            scopes.append((tenant.id, rows))
        per_scope = [
            subscriber_count // 5,
            subscriber_count * 2 // 5,
            subscriber_count - subscriber_count // 5 - subscriber_count * 2 // 5,
        ]
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        for (tenant_id, lists), count in zip(scopes, per_scope, strict=True):
            sub_rows = []
            for i in range(count):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                lang, country, tz = rng.choice(PROFILES)
                email = f"{_ascii(first)}.{_ascii(last)}.{i}@{rng.choice(DOMAINS)}".lower()
                created = now - timedelta(days=rng.randint(1, 720), minutes=rng.randint(0, 1440))
                sub_rows.append(
                    {
                        "tenant_id": tenant_id,
                        "scope": tenant_id or 0,
                        "email": email,
                        "email_normalized": email,
                        "email_domain": email.split("@")[1],
                        "name": f"{first} {last}",
                        "language": lang,
                        "country": country,
                        "timezone": tz if rng.random() > 0.15 else None,
                        "source": rng.choice(["form", "form", "import", "api"]),
                        "attributes": {
                            "role": rng.choice(ROLES),
                            "rating": rng.randint(900, 2700),
                            "member": rng.random() > 0.3,
                        },
                        "created_at": created,
                        "soft_bounce_count": 0,
                        "last_open_at": now - timedelta(days=rng.randint(0, 200))
                        if rng.random() > 0.3
                        else None,
                    }
                )
            await session.execute(insert(Subscriber), sub_rows)
            ids = list(
                (
                    await session.execute(
                        select(Subscriber.id, Subscriber.created_at)
                        .where(Subscriber.scope == (tenant_id or 0))
                        .order_by(Subscriber.id)
                    )
                ).all()
            )
            subs, consent = [], []
            for sid, created in ids:
                chosen = [lst for lst in lists if rng.random() < 0.7] or [lists[0]]
                for lst in chosen:
                    status = rng.choices(statuses, weights)[0]
                    changed = created + timedelta(days=rng.randint(0, 30))
                    if changed >= now:  # spread over the time since joining, not all "today"
                        changed = created + (now - created) * rng.random()
                    if status in (Status.BOUNCED, Status.COMPLAINED):
                        # Old bounces and complaints: the demo has sent nothing recently that
                        # could have caused them, so the dashboard's rates start clean.
                        if created > now - timedelta(days=40):
                            status = Status.ACTIVE
                        else:
                            changed = min(changed, now - timedelta(days=rng.randint(35, 400)))
                            changed = max(changed, created + timedelta(minutes=8))
                    subs.append(
                        {
                            "tenant_id": tenant_id,
                            "list_id": lst.id,
                            "subscriber_id": sid,
                            "status": status.value,
                            "status_changed_at": min(changed, now),
                            "confirmed_at": created + timedelta(minutes=7)
                            if status is not Status.PENDING
                            else None,
                            "unsubscribed_at": changed if status is Status.UNSUBSCRIBED else None,
                            "created_at": created,
                        }
                    )
                    consent.append(
                        {
                            "tenant_id": tenant_id,
                            "subscriber_id": sid,
                            "list_id": lst.id,
                            "action": "granted",
                            "method": "form",
                            "form_id": "demo-signup",
                            "consent_text_version": "2026-11-01",
                            "evidence": {"demo": True},
                            "occurred_at": created,
                        }
                    )
            await session.execute(insert(Subscription), subs)
            await session.execute(insert(ConsentRecord), consent)
            created_subs = (
                await session.execute(
                    select(
                        Subscription.id,
                        Subscription.status,
                        Subscription.created_at,
                        Subscription.status_changed_at,
                    ).where(Subscription.list_id.in_([lst.id for lst in lists]))
                )
            ).all()
            transitions = []
            for sid, state, created, changed in created_subs:
                transitions.append(
                    {
                        "tenant_id": tenant_id,
                        "subscription_id": sid,
                        "from_status": None,
                        "to_status": "pending",
                        "reason": "form_subscribe",
                        "at": created,
                    }
                )
                if state != "pending":
                    transitions.append(
                        {
                            "tenant_id": tenant_id,
                            "subscription_id": sid,
                            "from_status": "pending",
                            "to_status": "active",
                            "reason": "double_opt_in",
                            "at": created + timedelta(minutes=7),
                        }
                    )
                if state not in ("pending", "active"):
                    transitions.append(
                        {
                            "tenant_id": tenant_id,
                            "subscription_id": sid,
                            "from_status": "active",
                            "to_status": state,
                            "reason": "demo",
                            "at": changed,
                        }
                    )
            await session.execute(insert(SubscriptionTransition), transitions)
        campaigns = await seed_content(session, rt.settings, actor_for(sys_op), DEMO_PASSWORD)
        operators = (await session.execute(select(func.count()).select_from(Operator))).scalar_one()
    return (
        f"seeded {subscriber_count} subscribers, {len(scopes)} scopes, {operators} operators, "
        f"{campaigns} campaigns (one sending to the outbox)\n"
        f"console login: admin@herald.example / {DEMO_PASSWORD}\n"
        f"API token: {token}"
    )
