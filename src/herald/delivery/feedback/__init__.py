"""Delivery feedback (delivered, bounces, complaints, unsubscribes…) applied to the audience.

Sources turn what they received into :class:`FeedbackEvent` values: provider webhooks
(``herald.delivery.webhooks``) and the bounce mailbox (``herald.delivery.inbound``, DSNs and ARF
reports). :func:`ingest` records each one once in ``delivery_events`` and applies the new ones
monotonically (:mod:`.ladder`):

- ``bounce_hard``: subscriptions → ``bounced``, address suppressed (``hard_bounce``, stream all).
- ``bounce_soft``: ``Subscriber.soft_bounce_count`` is the current run of consecutive soft
  bounces (ordered by when they happened; a ``delivered`` ends a run); a run of
  :data:`SOFT_BOUNCE_LIMIT` (5) treats the subscriber as hard-bounced (suppression reason
  ``soft_bounce_limit``); a delivery arriving late that breaks every such run undoes what the
  rule did (:mod:`.softlimit`), so the outcome does not depend on arrival order.
- ``complaint``: subscriptions → ``complained``, address suppressed (``complaint``, stream
  marketing: mandatory transactional mail still goes out).
- ``unsub``: subscriptions → ``unsubscribed`` with a consent withdrawal record.
- ``delivered``: recorded; resets a non-zero soft-bounce count.
- ``open`` / ``click`` / ``blocked``: recorded only. ``blocked`` covers policy
  rejections (RFC 3463 5.7.x, provider pre-blocks, receiver spam filters): they say nothing
  about the mailbox, so they never suppress.

Modules: :mod:`.events` (the event model), :mod:`.ingest` (record once, resolve subscribers),
:mod:`.ladder` (the monotonic state changes), :mod:`.softlimit` (the soft-bounce rule),
:mod:`.suppress` (suppression entries),
:mod:`.retention` (erasure).
"""

from herald.delivery.feedback import retention  # noqa: F401  (registers the eraser)
from herald.delivery.feedback.events import (
    MAILBOX_PROVIDERS,
    EventKind,
    FeedbackEvent,
    IngestReport,
    feedback_actor,
    normalise_recipient,
    scrub,
)
from herald.delivery.feedback.ingest import ingest
from herald.delivery.feedback.softlimit import SOFT_BOUNCE_LIMIT

__all__ = [
    "MAILBOX_PROVIDERS",
    "SOFT_BOUNCE_LIMIT",
    "EventKind",
    "FeedbackEvent",
    "IngestReport",
    "feedback_actor",
    "ingest",
    "normalise_recipient",
    "scrub",
]
