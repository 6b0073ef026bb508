"""RFC 3463 enhanced status codes (``class.subject.detail``) as feedback kinds.

One reading for every source (provider webhooks, DSNs): class 2 is delivered, class 4 a soft
bounce, class 5 a hard bounce — except subject 7 (security or policy: 5.7.1 spam block, 5.7.26
unauthenticated…), which says nothing about the mailbox and counts as *blocked*, never
suppressing the address.
"""

from __future__ import annotations

import re

from herald.delivery.feedback.events import EventKind

STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def find_status(*texts: object) -> str | None:
    """The first enhanced status code in the strings among ``texts`` (``"5.1.1"``), or None."""
    for text in texts:
        match = STATUS_CODE.search(text) if isinstance(text, str) else None
        if match is not None:
            return match.group(0)
    return None


def is_policy(code: str) -> bool:
    """A permanent security/policy rejection (5.7.x)."""
    klass, subject, _detail = code.split(".")
    return klass == "5" and subject == "7"


def status_kind(code: str) -> EventKind:
    """The kind a status code means (``code`` as :func:`find_status` returns it)."""
    klass = code.split(".", 1)[0]
    if klass == "2":
        return EventKind.DELIVERED
    if klass == "4":
        return EventKind.BOUNCE_SOFT
    return EventKind.BLOCKED if is_policy(code) else EventKind.BOUNCE_HARD
