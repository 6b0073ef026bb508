"""Category rules and message stamping, applied once in the distributor layer for every send.

Transactional mail never carries marketing headers (they are stripped); marketing mail must carry
an RFC 8058 one-click ``List-Unsubscribe`` (one HTTPS URI, optionally a mailto) with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. A message with an idempotency key gets its
deterministic Message-ID here (see :mod:`herald.delivery.ids`).
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from herald.delivery import ids
from herald.delivery.message import Category, OutgoingMessage
from herald.kit.errors import ValidationFailed

MARKETING_HEADERS = frozenset(
    {"list-unsubscribe", "list-unsubscribe-post", "feedback-id", "list-id", "precedence"}
)
ONE_CLICK = "List-Unsubscribe=One-Click"
_URI = re.compile(r"<([^<>\s]+)>")


def _header(message: OutgoingMessage, name: str) -> str | None:
    for key, value in message.headers.items():
        if key.lower() == name:
            return value
    return None


def _web_uri(uri: str) -> bool:
    """An https URI, or plain http on a loopback host (a development instance)."""
    lowered = uri.lower()
    if lowered.startswith("https://"):
        return True
    host = urlsplit(lowered).hostname or ""
    return lowered.startswith("http://") and host in {"127.0.0.1", "localhost", "::1"}


def check_list_unsubscribe(value: str) -> None:
    uris = _URI.findall(value)
    rest = _URI.sub("", value).replace(",", "").strip()
    if not uris or rest:
        raise ValidationFailed("List-Unsubscribe must be a list of <URI>s", field="headers")
    https = [u for u in uris if _web_uri(u)]
    if len(https) != 1 or any(not (_web_uri(u) or u.lower().startswith("mailto:")) for u in uris):
        raise ValidationFailed(
            "List-Unsubscribe needs exactly one https URI (and optionally mailto)",
            field="headers",
        )


def enforce_category(message: OutgoingMessage) -> OutgoingMessage:
    """Return the message as it may be sent, or raise ``ValidationFailed`` (permanent)."""
    if message.category is Category.TRANSACTIONAL:
        if any(k.lower() in MARKETING_HEADERS for k in message.headers):
            kept = {k: v for k, v in message.headers.items() if k.lower() not in MARKETING_HEADERS}
            return dataclasses.replace(message, headers=kept)
        return message
    unsubscribe = _header(message, "list-unsubscribe")
    if unsubscribe is None:
        raise ValidationFailed("marketing mail requires List-Unsubscribe", field="headers")
    check_list_unsubscribe(unsubscribe)
    if (_header(message, "list-unsubscribe-post") or "").strip() != ONE_CLICK:
        raise ValidationFailed(f"marketing mail requires List-Unsubscribe-Post: {ONE_CLICK}")
    return message


def message_key(message: OutgoingMessage) -> ids.MessageKey | None:
    if not message.idempotency_key:
        return None
    try:
        return ids.parse_key(message.idempotency_key)
    except ValueError:
        return None


def stamp(message: OutgoingMessage, secret: bytes) -> OutgoingMessage:
    """Give a keyed message its deterministic Message-ID (kept if the caller set one)."""
    key = message_key(message)
    if message.message_id or key is None:
        return message
    domain = message.sender.rpartition("@")[2].lower() or "localhost"
    return dataclasses.replace(message, message_id=ids.message_id(key, domain, secret))


def prepare(message: OutgoingMessage, secret: bytes) -> OutgoingMessage:
    message.validate()
    return stamp(enforce_category(message), secret)
