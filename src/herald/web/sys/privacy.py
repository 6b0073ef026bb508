"""/sys/newsletter/subscribers/{id}/erase (GDPR), timeline, and CSV exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from herald.accounts.sessions import require_fresh_auth
from herald.audience import lists as lists_service
from herald.audience import subscribers as svc
from herald.audience.erasure import erase_subscriber
from herald.compliance import audit
from herald.kit.text import csv_safe
from herald.models.audience import (
    NewsletterList,
    Subscriber,
    Subscription,
    SubscriptionTransition,
)
from herald.models.compliance import AuditEntry, ConsentRecord
from herald.runtime import Runtime
from herald.web.deps import ReadActor, RuntimeDep, SessionDep, SysActor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: privacy"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])

EXPORT_PAGE = 5000


class EraseIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="console sessions: the password, unless re-entered in the last 5 minutes",
    )


class EraseOut(BaseModel):
    erased: bool
    suppression_hash: str


@router.post("/subscribers/{subscriber_id}/erase", response_model=EraseOut)
async def erase(
    subscriber_id: int, body: EraseIn, actor: SysActor, session: SessionDep
) -> EraseOut:
    """Delete the subscriber's personal data; keep only a suppression hash and the audit entry.

    From the console this needs a fresh authentication (the password in ``password``, or
    re-entered with ``POST /console/api/session/fresh`` in the last five minutes)."""
    if actor.via_console:
        await require_fresh_auth(
            session, actor, password=body.password, message="re-enter your password to erase"
        )
    digest = await erase_subscriber(session, actor, subscriber_id, reason=body.reason)
    return EraseOut(erased=True, suppression_hash=digest)


class TimelineItem(BaseModel):
    at: datetime
    kind: str  # consent | state | audit
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)


@router.get("/subscribers/{subscriber_id}/timeline", response_model=list[TimelineItem])
@admin_router.get("/subscribers/{subscriber_id}/timeline", response_model=list[TimelineItem])
async def timeline(subscriber_id: int, actor: ReadActor, session: SessionDep) -> list[TimelineItem]:
    """Consent records, subscription state changes and audit entries, oldest first."""
    sub = await svc.get_subscriber(session, actor.scope(), subscriber_id)
    items: list[TimelineItem] = []
    list_rows = await session.execute(
        select(Subscription.list_id, NewsletterList.slug)
        .join(NewsletterList, NewsletterList.id == Subscription.list_id)
        .where(Subscription.subscriber_id == sub.id)
    )
    slugs: dict[int, str] = {int(lst_id): str(slug) for lst_id, slug in list_rows.all()}
    for c in (
        await session.execute(select(ConsentRecord).where(ConsentRecord.subscriber_id == sub.id))
    ).scalars():
        items.append(
            TimelineItem(
                at=c.occurred_at,
                kind="consent",
                summary=f"consent {c.action} ({c.method})",
                details={
                    "action": c.action,
                    "method": c.method,
                    "list": slugs.get(c.list_id or 0),
                    "form_id": c.form_id,
                    "consent_text_version": c.consent_text_version,
                    "import_id": c.import_id,
                    "ip_hash": c.ip_hash,
                    "user_agent_hash": c.user_agent_hash,
                },
            )
        )
    subs = {
        s.id: s
        for s in (
            await session.execute(select(Subscription).where(Subscription.subscriber_id == sub.id))
        ).scalars()
    }
    recorded: set[int] = set()
    for t in (
        await session.execute(
            select(SubscriptionTransition).where(SubscriptionTransition.subscription_id.in_(subs))
        )
    ).scalars():
        recorded.add(t.subscription_id)
        items.append(
            TimelineItem(
                at=t.at,
                kind="state",
                summary=f"{t.from_status or 'new'} → {t.to_status}",
                details={
                    "list": slugs.get(subs[t.subscription_id].list_id),
                    "reason": t.reason,
                    "from": t.from_status,
                    "to": t.to_status,
                },
            )
        )
    for s in subs.values():
        if s.id not in recorded:  # bulk-written rows whose history starts with the row itself
            items.append(
                TimelineItem(
                    at=s.created_at,
                    kind="state",
                    summary=f"new → {s.status}",
                    details={"list": slugs.get(s.list_id), "from": None, "to": s.status},
                )
            )
    for a in (
        await session.execute(
            select(AuditEntry).where(
                AuditEntry.target_type == "subscriber", AuditEntry.target_id == str(sub.id)
            )
        )
    ).scalars():
        items.append(
            TimelineItem(
                at=a.at,
                kind="audit",
                summary=a.action,
                details={"actor": a.actor_type, **(a.details or {})},
            )
        )
    items.sort(key=lambda i: i.at)
    return items


EXPORT_COLUMNS = [
    "email",
    "name",
    "language",
    "timezone",
    "country",
    "source",
    "list",
    "status",
    "subscribed_at",
    "confirmed_at",
    "attributes",
]


def _line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_safe(v) for v in values])
    return buf.getvalue()


async def _export_rows(
    rt: Runtime, list_id: int, slug: str, status: str | None
) -> AsyncIterator[bytes]:
    """Keyset-paged, one short transaction per page: memory stays flat for any list size."""
    yield _line(EXPORT_COLUMNS).encode()
    after = 0
    while True:
        async with rt.sessions() as session:
            stmt = (
                select(Subscription, Subscriber)
                .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
                .where(Subscription.list_id == list_id, Subscription.id > after)
                .order_by(Subscription.id)
                .limit(EXPORT_PAGE)
            )
            if status:
                stmt = stmt.where(Subscription.status == status)
            page = (await session.execute(stmt)).all()
        if not page:
            return
        chunk = []
        for sub, person in page:
            chunk.append(
                _line(
                    [
                        person.email,
                        person.name,
                        person.language,
                        person.timezone,
                        person.country,
                        person.source,
                        slug,
                        sub.status,
                        sub.created_at.isoformat(),
                        sub.confirmed_at.isoformat() if sub.confirmed_at else "",
                        json.dumps(person.attributes or {}, ensure_ascii=False),
                    ]
                )
            )
        yield "".join(chunk).encode("utf-8")
        after = page[-1][0].id


@router.get("/lists/{list_id}/export.csv", response_class=StreamingResponse)
@admin_router.get("/lists/{list_id}/export.csv", response_class=StreamingResponse)
async def export_list(
    list_id: int,
    actor: ReadActor,
    session: SessionDep,
    rt: RuntimeDep,
    status: Annotated[
        str | None, Query(pattern="^(pending|active|unsubscribed|bounced|complained|suppressed)$")
    ] = None,
) -> StreamingResponse:
    """The list's subscribers as CSV, safe to open in a spreadsheet (formula cells escaped)."""
    lst = await lists_service.get_list(session, actor.scope(), list_id)
    await audit.record(
        session,
        "newsletter.export",
        actor,
        tenant_id=lst.tenant_id,
        target_type="list",
        target_id=lst.id,
        details={"status": status},
    )
    await session.commit()

    return StreamingResponse(
        _export_rows(rt, lst.id, lst.slug, status),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{lst.slug}-subscribers.csv"'},
    )
