"""Mailjet Event API callbacks (v1: one event per POST, v2: an array of the last second's events).

Every event carries ``event``, ``time`` (unix), ``email``, ``MessageID`` and our ``CustomID``
(the message key) and ``Payload`` (``{"tenant": …, "category": …}`` set at send time). Mailjet
gives no event id, so the synthetic key hashes provider, MessageID, kind, time, address and URL.
"""

from __future__ import annotations

import json
from typing import Any

from herald.delivery import ids
from herald.delivery.feedback import EventKind, FeedbackEvent, normalise_recipient
from herald.delivery.webhooks.common import as_list, load_json, text, unix_time

PROVIDER = "mailjet"
# Rejections that say nothing about the mailbox: policy, content, Mailjet itself.
_POLICY_RELATED = {"spam", "content", "system", "mailjet"}
_SIMPLE = {
    "sent": EventKind.DELIVERED,
    "open": EventKind.OPEN,
    "click": EventKind.CLICK,
    "spam": EventKind.COMPLAINT,
    "unsub": EventKind.UNSUB,
    "blocked": EventKind.BLOCKED,
}
_DETAIL_FIELDS = ("error_related_to", "error", "source", "url", "smtp_reply", "mj_list_id")


def _kind(item: dict[str, Any]) -> EventKind | None:
    name = str(item.get("event") or "").lower()
    if name == "bounce":
        related = str(item.get("error_related_to") or "").lower()
        if related in _POLICY_RELATED:
            return EventKind.BLOCKED
        return EventKind.BOUNCE_HARD if item.get("hard_bounce") is True else EventKind.BOUNCE_SOFT
    return _SIMPLE.get(name)


def _tenant_scope(payload: Any) -> int | None:
    if isinstance(payload, str) and payload:
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    if not isinstance(payload, dict) or "tenant" not in payload:
        return None
    tenant = payload["tenant"]
    if tenant is None:
        return 0
    return tenant if isinstance(tenant, int) and not isinstance(tenant, bool) else None


def _key(custom_id: Any) -> ids.MessageKey | None:
    if not isinstance(custom_id, str) or not custom_id:
        return None
    try:
        return ids.parse_key(custom_id)
    except ValueError:
        return None


def parse_events(body: bytes) -> list[FeedbackEvent]:
    events = []
    for item in as_list(load_json(body)):
        kind = _kind(item)
        if kind is None:
            continue  # an event type Herald does not use
        detail = {k: item[k] for k in _DETAIL_FIELDS if item.get(k) not in (None, "")}
        detail["event"] = item.get("event")
        if item.get("event") == "bounce":
            detail["hard_bounce"] = item.get("hard_bounce") is True
        events.append(
            FeedbackEvent(
                provider=PROVIDER,
                kind=kind,
                occurred_at=unix_time(item.get("time")),
                message_key=_key(item.get("CustomID")),
                provider_message_id=text(item.get("MessageID") or item.get("mj_message_id")),
                recipient=normalise_recipient(item.get("email")),
                tenant_scope=_tenant_scope(item.get("Payload")),
                detail=detail,
            )
        )
    return events
