"""Reading untrusted report messages with the standard ``email`` package, defensively.

Everything here takes whatever arrived at the bounce domain — truncated, mis-encoded, nested a
thousand deep — and answers None or an empty value rather than raising.
"""

from __future__ import annotations

import contextlib
import email
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

MAX_PARTS = 64  # MIME parts looked at; a report has three or four
MAX_FIELD = 998  # RFC 5322 line limit: longer values are cut
MAX_BLOCKS = 100  # per-recipient blocks read from one delivery-status part


@dataclass(frozen=True, slots=True)
class Original:
    """What a report tells about the message it reports on (from its returned headers)."""

    message_id: str | None = None
    return_path: str | None = None


def parse_message(raw: bytes) -> Message | None:
    try:
        return email.message_from_bytes(raw, policy=compat32)
    except Exception:  # the parser is lenient, but a report is untrusted input
        return None


def clean(value: object, limit: int = MAX_FIELD) -> str | None:
    """A header or field value as one line of text: RFC 2047 decoded, whitespace collapsed."""
    if value is None:
        return None
    text = str(value)
    with contextlib.suppress(Exception):  # undecodable encoded words stay as they are
        text = str(make_header(decode_header(text)))
    text = " ".join(text.split())
    return text[:limit] or None


def header(msg: Message, name: str) -> str | None:
    try:
        return clean(msg.get(name))
    except Exception:
        return None


def typed_value(value: str | None) -> str | None:
    """``rfc822; ada@example.org`` → ``ada@example.org``; ``dns; mx.example`` → ``mx.example``
    (RFC 3464 ``type ; value`` fields; a value without a type is taken as it is)."""
    if not value:
        return None
    _kind, semi, rest = value.partition(";")
    out = (rest if semi else value).strip().strip("<>").strip()
    return out or None


def parts(msg: Message) -> Iterator[Message]:
    """The message and its MIME parts, depth first, at most :data:`MAX_PARTS`."""
    stack = [msg]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop()
        seen += 1
        yield part
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(p for p in reversed(payload) if isinstance(p, Message))


def find_part(msg: Message, *content_types: str) -> Message | None:
    for part in parts(msg):
        if part.get_content_type() in content_types:
            return part
    return None


def part_text(part: Message) -> str:
    """The text of a leaf part, or of a ``message/*`` part's parsed content, as written."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(p.as_string() for p in payload if isinstance(p, Message))
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw.decode(part.get_content_charset() or "utf-8", errors="replace")
    return str(payload or "")


def field_blocks(part: Message) -> list[Message]:
    """The ``Field: value`` blocks of a ``message/delivery-status`` (or feedback-report) part,
    however the parser left them (parsed blocks, one message, or text)."""
    text = part_text(part).replace("\r\n", "\n")
    blocks = []
    for chunk in text.split("\n\n"):
        if chunk.strip():
            blocks.append(HeaderParser(policy=compat32).parsestr(chunk.strip() + "\n"))
        if len(blocks) > MAX_BLOCKS:
            break
    return blocks


def original(msg: Message) -> Original:
    """Message-ID and Return-Path of the returned message (``message/rfc822`` or
    ``text/rfc822-headers``); empty when the report returned nothing."""
    part = find_part(msg, "message/rfc822", "text/rfc822-headers", "message/global-headers")
    if part is None:
        return Original()
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        returned = payload[0]
    else:
        returned = HeaderParser(policy=compat32).parsestr(part_text(part))
    return Original(
        message_id=header(returned, "Message-ID"),
        return_path=header(returned, "Return-Path"),
    )


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
