"""The transactional stream: system mail (confirmations, password resets, bookings…) with its
own policies — no tracking, no marketing headers, no footer, never throttled — sharing the one
suppression list with marketing. See ``docs/transactional.md``."""

from herald.transactional.service import Notifier, notifier_for, send

__all__ = ["Notifier", "notifier_for", "send"]
