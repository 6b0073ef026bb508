"""Delivery status notifications: RFC 3464 reports, and older bounce formats via flufl.bounce.

A DSN is ``multipart/report; report-type=delivery-status`` whose ``message/delivery-status``
part holds one per-message block (``Reporting-MTA``, ``Arrival-Date``) and one block per
recipient (``Final-Recipient``, ``Original-Recipient``, ``Action``, ``Status``,
``Diagnostic-Code``, ``Remote-MTA``, ``Last-Attempt-Date``). Per recipient:

- ``Action: failed`` is a bounce classified by its RFC 3463 status (``herald.delivery.feedback
  .status``): 4.x.x soft, 5.x.x hard, 5.7.x blocked (policy). Without a status code, an SMTP
  5xx reply in the diagnostic makes it hard, anything else soft.
- ``Action: delivered`` is recorded as delivered.
- ``delayed`` (a warning: the MTA keeps trying, and its final report will count), ``relayed``
  and ``expanded`` are ignored.

Bounces that are not RFC 3464 (old qmail, Exim, Exchange…) go through flufl.bounce's
detectors; only their *permanent* failures count (hard), because their "temporary" findings
are delay warnings.
"""

from __future__ import annotations

import re
from email.message import Message
from email.utils import parseaddr

from flufl.bounce import all_failures

from herald.delivery.feedback import EventKind, normalise_recipient
from herald.delivery.feedback.status import find_status, status_kind
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
from herald.kit.logging import get_logger

log = get_logger(__name__)

STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_SMTP_PERMANENT = re.compile(r"\b5\d\d\b")
MAX_RECIPIENTS = 50


def _kind(action: str, status: str | None, diagnostic: str | None) -> EventKind | None:
    if action in ("failed", "failure", "error"):  # "error": OpenSMTPD's non-standard word
        code = find_status(status, diagnostic)
        if code is None:
            permanent = _SMTP_PERMANENT.search(diagnostic or "")
            return EventKind.BOUNCE_HARD if permanent else EventKind.BOUNCE_SOFT
        kind = status_kind(code)
        return EventKind.BOUNCE_SOFT if kind is EventKind.DELIVERED else kind
    if action == "delivered":
        return EventKind.DELIVERED
    return None


def _rfc3464(msg: Message, status_part: Message) -> Report:
    blocks = field_blocks(status_part)
    per_message = blocks[0] if blocks else Message()
    outcomes = []
    occurred = parse_date(header(per_message, "Arrival-Date"))
    for block in blocks[1 : MAX_RECIPIENTS + 1]:
        action_text = header(block, "Action") or ""
        action = (action_text.split() or [""])[0].strip(";").lower()
        status = header(block, "Status")
        diagnostic = typed_value(header(block, "Diagnostic-Code"))
        kind = _kind(action, status, diagnostic)
        if kind is None:
            continue
        claimed = typed_value(header(block, "Original-Recipient")) or typed_value(
            header(block, "Final-Recipient")
        )
        occurred = parse_date(header(block, "Last-Attempt-Date")) or occurred
        outcomes.append(
            RecipientOutcome(
                kind=kind,
                action=action,
                recipient=normalise_recipient(claimed),
                status=find_status(status) or clean(status, 32),
                diagnostic=diagnostic,
                remote_mta=typed_value(header(block, "Remote-MTA")),
            )
        )
    return Report(
        source="dsn",
        reporting_mta=typed_value(header(per_message, "Reporting-MTA")),
        original=original(msg),
        occurred_at=occurred or parse_date(header(msg, "Date")),
        outcomes=tuple(outcomes),
        detail={"format": "rfc3464"},
    )


def _heuristic(msg: Message) -> Report | None:
    try:
        _temporary, permanent = all_failures(msg)
    except Exception as exc:  # flufl.bounce's detectors re-raise whatever a message makes them
        log.info("inbound.detector_failed", error=type(exc).__name__)
        return None
    outcomes = []
    for address in sorted(permanent)[:MAX_RECIPIENTS]:
        text = address.decode("ascii", errors="replace")
        outcomes.append(
            RecipientOutcome(
                kind=EventKind.BOUNCE_HARD, action="failed", recipient=normalise_recipient(text)
            )
        )
    if not outcomes:
        return None
    sender = parseaddr(header(msg, "From") or "")[1]
    return Report(
        source="dsn",
        reporting_mta=sender.rpartition("@")[2].lower() or None,
        original=original(msg),
        occurred_at=parse_date(header(msg, "Date")),
        outcomes=tuple(outcomes),
        detail={"format": "heuristic"},
    )


def parse_dsn(msg: Message, *, heuristics: bool = True) -> Report | None:
    """The bounce report in ``msg``, or None when it is not one (an auto-reply, spam…).
    ``heuristics=False`` reads RFC 3464 reports only."""
    status_part = find_part(msg, *STATUS_TYPES)
    if status_part is not None:
        return _rfc3464(msg, status_part)
    return _heuristic(msg) if heuristics else None
