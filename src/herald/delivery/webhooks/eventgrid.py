"""Azure Communication Services Email reports delivered by Event Grid (Event Grid schema; a
CloudEvents 1.0 body is read too).

- ``Microsoft.EventGrid.SubscriptionValidationEvent``: the handshake, answered synchronously
  with ``{"validationResponse": code}``.
- ``Microsoft.Communication.EmailDeliveryReportReceived``: ``data.status`` is Delivered,
  Bounced, Suppressed, Failed, FilteredSpam or Quarantined (mapping below).
- ``Microsoft.Communication.EmailEngagementTrackingReportReceived``: ``engagementType`` view
  (open) or click.

Event Grid events have an ``id`` (the dedupe key). ``data.messageId`` is the send operation id
(our uuid5 of the message key, not invertible), so ACS feedback finds subscribers by address;
``internetMessageId`` is tried as one of our Message-IDs in case it is ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from herald.delivery import ids
from herald.delivery.feedback import EventKind, FeedbackEvent, normalise_recipient
from herald.delivery.feedback.status import find_status, status_kind
from herald.delivery.webhooks.common import as_list, iso_time, load_json, malformed, text

PROVIDER = "acs"
VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
DELIVERY_REPORT = "Microsoft.Communication.EmailDeliveryReportReceived"
ENGAGEMENT = "Microsoft.Communication.EmailEngagementTrackingReportReceived"


@dataclass(slots=True)
class Parsed:
    validation_code: str | None
    events: list[FeedbackEvent]


def classify_failure(status: str, details: str) -> EventKind:
    """listmonk's mapping, tightened: 5.7.x (policy/authentication) never suppresses, and a
    receiver spam filter (FilteredSpam, Quarantined) is not a complaint by a person."""
    lowered = details.lower()
    code = find_status(details)
    if status in ("bounced", "suppressed"):
        return EventKind.BOUNCE_HARD
    if status in ("filteredspam", "quarantined"):
        if "complaint" in lowered or "abuse" in lowered:
            return EventKind.COMPLAINT
        return EventKind.BLOCKED
    # failed (and any status Microsoft adds later: "any value other than Delivered is failed")
    if code is not None:  # a failure report: even a stray 2.x.x code is not "delivered"
        kind = status_kind(code)
        return EventKind.BOUNCE_SOFT if kind is EventKind.DELIVERED else kind
    if any(word in lowered for word in ("does not exist", "unknown user", "no such user")):
        return EventKind.BOUNCE_HARD
    return EventKind.BOUNCE_SOFT


def _event_type(item: dict[str, Any]) -> str:
    return str(item.get("eventType") or item.get("type") or "")


def _delivery_kind(data: dict[str, Any]) -> EventKind:
    status = str(data.get("status") or "").strip().lower()
    if status == "delivered":
        return EventKind.DELIVERED
    details = data.get("deliveryStatusDetails") or {}
    message = str(details.get("statusMessage") or "") if isinstance(details, dict) else ""
    return classify_failure(status, message)


def parse(body: bytes, message_id_secrets: list[bytes]) -> Parsed:
    items = as_list(load_json(body))
    for item in items:
        if _event_type(item) == VALIDATION:
            data = item.get("data")
            code = text(data.get("validationCode")) if isinstance(data, dict) else None
            if not code:
                raise malformed("validation event without a validationCode")
            return Parsed(code, [])
    events = []
    for item in items:
        kind_name = _event_type(item)
        data = item.get("data")
        if kind_name not in (DELIVERY_REPORT, ENGAGEMENT):
            continue
        if not isinstance(data, dict):
            raise malformed("event without data")
        event_id = text(item.get("id"), 128)
        if not event_id:
            raise malformed("event without an id")
        if kind_name == DELIVERY_REPORT:
            kind = _delivery_kind(data)
            when = (
                data.get("deliveryAttemptTimestamp")
                or data.get("deliveryAttemptTimeStamp")
                or item.get("eventTime")
                or item.get("time")
            )
            details = data.get("deliveryStatusDetails")
            detail: dict[str, Any] = {
                "status": data.get("status"),
                "status_message": details.get("statusMessage")
                if isinstance(details, dict)
                else None,
            }
        else:
            engagement = str(data.get("engagementType") or "").lower()
            if engagement not in ("view", "click"):
                continue
            kind = EventKind.OPEN if engagement == "view" else EventKind.CLICK
            when = data.get("userActionTimestamp") or item.get("eventTime") or item.get("time")
            detail = {"engagement": engagement, "url": data.get("engagementContext")}
        internet_id = text(data.get("internetMessageId"), 998)
        key = ids.parse_message_id(internet_id, message_id_secrets) if internet_id else None
        events.append(
            FeedbackEvent(
                provider=PROVIDER,
                kind=kind,
                occurred_at=iso_time(when),
                event_id=event_id,
                message_key=key,
                provider_message_id=text(data.get("messageId")),
                recipient=normalise_recipient(data.get("recipient")),
                detail={k: v for k, v in detail.items() if v not in (None, "")},
            )
        )
    return Parsed(None, events)
