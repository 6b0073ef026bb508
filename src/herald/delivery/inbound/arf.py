"""Complaint feedback reports: RFC 5965 Abuse Reporting Format (ARF).

A feedback-loop report is ``multipart/report; report-type=feedback-report`` with a
human-readable part, a ``message/feedback-report`` part (``Feedback-Type``, ``User-Agent``,
``Version``, optionally ``Original-Rcpt-To``, ``Original-Mail-From``, ``Arrival-Date``,
``Reporting-MTA``, ``Source-IP``) and the reported message or its headers (``message/rfc822``
or ``text/rfc822-headers``), whose ``Return-Path`` carries our VERP token when the receiver
kept it.

``Feedback-Type: abuse`` (and ``fraud``) is a person marking the message as spam: a complaint.
``not-spam``, ``virus``, ``auth-failure`` (RFC 6591 authentication failure reports) and
``other`` say nothing about the recipient's wishes and are ignored.
"""

from __future__ import annotations

from dataclasses import replace
from email.message import Message

from herald.delivery.feedback import EventKind, normalise_recipient
from herald.delivery.inbound.parts import (
    clean,
    field_blocks,
    find_part,
    header,
    original,
    parse_date,
    typed_value,
)
from herald.delivery.inbound.report import RecipientOutcome, Report

COMPLAINT_TYPES = frozenset({"abuse", "fraud"})


def parse_arf(msg: Message) -> Report | None:
    """The complaint report in ``msg``, or None when it holds no feedback report."""
    part = find_part(msg, "message/feedback-report")
    if part is None:
        return None
    blocks = field_blocks(part)
    fields = blocks[0] if blocks else Message()
    feedback_type = (header(fields, "Feedback-Type") or "").lower()
    outcomes: tuple[RecipientOutcome, ...] = ()
    if feedback_type in COMPLAINT_TYPES:
        outcomes = (
            RecipientOutcome(
                kind=EventKind.COMPLAINT,
                action=feedback_type,
                recipient=normalise_recipient(typed_value(header(fields, "Original-Rcpt-To"))),
            ),
        )
    returned = original(msg)
    if returned.return_path is None:
        returned = replace(returned, return_path=header(fields, "Original-Mail-From"))
    return Report(
        source="arf",
        reporting_mta=typed_value(header(fields, "Reporting-MTA"))
        or clean(header(fields, "User-Agent"), 120),
        original=returned,
        occurred_at=parse_date(header(fields, "Arrival-Date") or header(fields, "Received-Date")),
        outcomes=outcomes,
        detail={
            "format": "arf",
            "feedback_type": feedback_type or None,
            "user_agent": clean(header(fields, "User-Agent"), 120),
        },
    )
