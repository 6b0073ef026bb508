"""The bounce mailbox: one received message in, feedback applied (or a reason it was not).

:meth:`Mailbox.receive` reads the message (never raising on garbage), decides what it is —
an ARF complaint, a DSN, an unsubscribe request, or nothing of ours — proves whom it concerns
(:mod:`.attribution`) and hands the result to the same ingestion the provider webhooks use
(``herald.delivery.feedback.ingest``): recorded once in ``delivery_events`` and applied
monotonically. Provider names are ``dsn`` and ``arf``.

The dedupe key is synthetic and stable across retransmissions of the same report:
``sha256(source, reporting MTA, message key, claimed recipient, action)``. The message key
(campaign and subscriber, or the confirmation's) stands for the original Message-ID, which is
derived from it, so a report counts once whether or not it returned the original headers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.delivery.feedback import FeedbackEvent, ingest
from herald.delivery.inbound import unsubscribe
from herald.delivery.inbound.arf import parse_arf
from herald.delivery.inbound.attribution import Attribution, Unattributed, attribute
from herald.delivery.inbound.dsn import parse_dsn
from herald.delivery.inbound.parts import parse_message
from herald.delivery.inbound.report import SEVERITY, RecipientOutcome, Report
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.errors import Unavailable
from herald.kit.logging import get_logger
from herald.kit.tokens import TokenSigner

log = get_logger(__name__)


def event_key(report: Report, outcome: RecipientOutcome, attribution: Attribution) -> str:
    material = "\x00".join(
        [
            report.source,
            (report.reporting_mta or "").lower(),
            str(attribution.key),
            outcome.recipient or attribution.subscriber.email_normalized,
            outcome.action,
        ]
    )
    return "sha256:" + hashlib.sha256(material.encode()).hexdigest()


def _worst(report: Report, attribution: Attribution) -> RecipientOutcome:
    """The outcome for the subscriber: one message of ours has one recipient, so several lines
    (forwarding, a DSN that also lists others) become the worst of those naming the subscriber
    — or of all of them when none names the subscriber (a VERP report about a forwarded copy)."""
    address = attribution.subscriber.email_normalized
    mine = [o for o in report.outcomes if o.recipient in (None, address)]
    return max(mine or report.outcomes, key=lambda o: SEVERITY[o.kind])


def to_event(report: Report, attribution: Attribution, now: datetime) -> FeedbackEvent:
    outcome = _worst(report, attribution)
    occurred = report.occurred_at if report.occurred_at and report.occurred_at <= now else now
    detail = {
        **report.detail,
        "action": outcome.action,
        "status": outcome.status,
        "diagnostic": outcome.diagnostic,
        "reporting_mta": report.reporting_mta,
        "remote_mta": outcome.remote_mta,
        "matched_by": attribution.matched_by,
    }
    subscriber = attribution.subscriber
    return FeedbackEvent(
        provider=report.source,
        kind=outcome.kind,
        occurred_at=occurred,
        event_id=event_key(report, outcome, attribution),
        message_key=attribution.key,
        provider_message_id=report.original.message_id,
        recipient=subscriber.email_normalized,
        tenant_scope=subscriber.scope,
        detail={k: v for k, v in detail.items() if v not in (None, "")},
    )


class Mailbox:
    """Receives what the bounce domain's MX accepted. Takes a sessionmaker (each message is one
    unit of work); raises :class:`~herald.kit.errors.Unavailable` only for transient failures,
    after which the sending MTA should retry."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: TokenSigner,
        message_id_secrets: list[bytes],
        domain: str,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._secrets = list(message_id_secrets)
        self.domain = domain.strip().lower().rstrip(".")

    def accepts(self, address: str) -> bool:
        """Only addresses at the bounce domain (any local part: VERP, unsubscribe, postmaster,
        the feedback-loop address…)."""
        local, at, domain = address.strip().strip("<>").rpartition("@")
        return bool(at and local) and domain.lower().rstrip(".") == self.domain

    async def receive(self, recipients: list[str], raw: bytes) -> str:
        """Process one message; returns its outcome (logged, and what the tests look at)."""
        msg = parse_message(raw)
        if msg is None:
            log.info("inbound.unreadable", size=len(raw))
            return "unreadable"
        unsubscribe_address = unsubscribe.requested(recipients)
        report = parse_arf(msg) or parse_dsn(msg, heuristics=unsubscribe_address is None)
        try:
            async with transaction(self._sessions) as session:
                if report is None:
                    if unsubscribe_address is None:
                        log.info("inbound.not_a_report")
                        return "not_a_report"
                    return await unsubscribe.unsubscribe_by_mail(
                        session, self._signer, unsubscribe_address, msg
                    )
                return await self._apply(session, report, recipients)
        except SQLAlchemyError as exc:
            log.error("inbound.database_error", error=type(exc).__name__)
            raise Unavailable("database unavailable; retry later") from exc

    async def _apply(self, session: AsyncSession, report: Report, recipients: list[str]) -> str:
        if not report.outcomes:
            log.info("inbound.nothing_to_apply", source=report.source, **report.detail)
            return "nothing_to_apply"
        found = await attribute(session, self._signer, self._secrets, report, recipients)
        if isinstance(found, Unattributed):
            log.info("inbound.unattributed", source=report.source, reason=found.reason)
            return found.reason
        event = to_event(report, found, clock.now())
        result = await ingest(session, [event])
        outcome = result.outcomes[0]
        log.info(
            "inbound.report",
            source=report.source,
            kind=event.kind.value,
            outcome=outcome,
            matched_by=found.matched_by,
            message=str(found.key),
        )
        return outcome
