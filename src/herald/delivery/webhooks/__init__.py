"""Provider webhooks: authenticate, parse into feedback events, record and apply them.

``WebhookReceiver.receive(sessions, provider, request)`` is the one entry point the web route
calls for ``POST /_internal/distributor-webhook/{provider}``:

- ``mailjet``: HTTP Basic whose password is ``HERALD_WEBHOOK_SECRET`` (Mailjet puts the
  credentials of ``https://herald:SECRET@host/…`` in an Authorization header; it has no
  signature).
- ``acs`` (Event Grid): the shared secret as ``?secret=`` on the subscription's endpoint URL or
  as the HTTP Basic password (a static delivery header) — required for every request, the
  subscription-validation handshake included.
- ``ses`` (SNS): the SNS message signature (v1 SHA1withRSA, v2 SHA256withRSA), an allowed
  ``TopicArn``; subscription confirmations are confirmed by GET-ing ``SubscribeURL``.

Fail closed: without ``HERALD_WEBHOOK_SECRET`` (or ``HERALD_SES_TOPIC_ARNS`` for ses) every
request is refused. Errors: ``Unauthenticated``/``PermissionDenied`` (forged, 401/403) before
anything is read from or written to the database, ``ValidationFailed`` (malformed, 400),
:class:`WebhookUnavailable` (transient, 503: the provider retries).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.delivery.feedback import FeedbackEvent, IngestReport, ingest
from herald.delivery.message import WebhookRequest
from herald.delivery.webhooks import eventgrid, mailjet, sns
from herald.delivery.webhooks.common import WebhookUnavailable
from herald.kit.db import transaction
from herald.kit.errors import NotFound, Unauthenticated
from herald.kit.logging import get_logger

log = get_logger(__name__)

PROVIDERS = ("mailjet", "acs", "ses")

__all__ = ["PROVIDERS", "WebhookReceiver", "WebhookReply", "WebhookUnavailable"]


@dataclass(slots=True)
class WebhookReply:
    body: dict[str, Any]
    report: IngestReport = field(default_factory=IngestReport)


def basic_password(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    _user, colon, password = decoded.partition(":")
    return password if colon else None


class WebhookReceiver:
    def __init__(
        self,
        *,
        secret: str | None,
        message_id_secrets: list[bytes],
        ses_topic_arns: Iterable[str] = (),
        fetch: sns.Fetcher = sns.http_fetch,
    ) -> None:
        self._secret = (secret or "").encode()
        self._mid_secrets = list(message_id_secrets)
        self.sns = sns.SnsVerifier(frozenset(a.strip() for a in ses_topic_arns if a.strip()), fetch)

    def _check_secret(self, provider: str, candidates: list[str | None]) -> None:
        if not self._secret:
            log.warning("webhook.refused_unconfigured", provider=provider)
            raise Unauthenticated("webhook secret is not configured (HERALD_WEBHOOK_SECRET)")
        # Every candidate is compared (constant time each), so timing does not tell which one.
        ok = False
        for candidate in candidates:
            if candidate is not None:
                ok |= hmac.compare_digest(candidate.encode(), self._secret)
        if not ok:
            raise Unauthenticated("webhook credentials are missing or wrong")

    async def parse(
        self, provider: str, request: WebhookRequest
    ) -> tuple[dict[str, Any], list[FeedbackEvent]]:
        """Authenticate and parse: the reply body and the events to record (no database)."""
        if provider == "mailjet":
            self._check_secret(provider, [basic_password(request.headers)])
            return {"status": "ok"}, mailjet.parse_events(request.body)
        if provider == "acs":
            self._check_secret(
                provider, [basic_password(request.headers), request.query.get("secret")]
            )
            parsed = eventgrid.parse(request.body, self._mid_secrets)
            if parsed.validation_code is not None:
                log.info("webhook.eventgrid_validated")
                return {"validationResponse": parsed.validation_code}, []
            return {"status": "ok"}, parsed.events
        if provider == "ses":
            envelope = sns.parse_envelope(
                request.body, request.headers.get("x-amz-sns-message-type")
            )
            await self.sns.verify(envelope)
            if envelope.type == "SubscriptionConfirmation":
                await self.sns.confirm(envelope)
                log.info("webhook.sns_subscription_confirmed", topic=envelope.topic_arn)
                return {"status": "confirmed"}, []
            if envelope.type == "UnsubscribeConfirmation":
                log.warning("webhook.sns_unsubscribed", topic=envelope.topic_arn)
                return {"status": "ok"}, []
            return {"status": "ok"}, sns.ses_events(envelope, self._mid_secrets)
        raise NotFound(f"unknown webhook provider {provider!r}")

    async def receive(
        self,
        sessions: async_sessionmaker[AsyncSession],
        provider: str,
        request: WebhookRequest,
    ) -> WebhookReply:
        body, events = await self.parse(provider, request)
        reply = WebhookReply(body)
        if not events:
            return reply
        try:
            async with transaction(sessions) as session:
                reply.report = await ingest(session, events)
        except SQLAlchemyError as exc:
            log.error("webhook.database_error", provider=provider, error=type(exc).__name__)
            raise WebhookUnavailable("database unavailable; retry later") from exc
        body.update(
            received=reply.report.received,
            duplicates=reply.report.duplicates,
            applied=reply.report.applied,
        )
        return reply
