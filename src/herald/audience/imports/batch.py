"""What a batch writer is given and what it reports back (shared by both databases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from herald.kit.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class BatchParams:
    """The constants of one import that every row of a batch is written with."""

    tenant_id: int | None
    scope: int
    list_id: int
    import_id: int
    now: datetime
    evidence: str  # JSON: the attestation, copied into every consent record
    version: str  # consent text version


@dataclass(slots=True)
class BatchOutcome:
    imported: int = 0
    updated: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


class RetryBatch(Exception):
    """The batch lost a lock conflict with one written at the same time (a deadlock or a
    serialization failure); nothing of it was kept, so it can simply be written again."""


class NotAllNew(Exception):
    """Written on the assumption that every address is new, the batch met one that already has
    a subscriber; nothing of it was kept. Write it again with ``assume_new=False``."""


def list_deleted() -> ValidationFailed:
    """What a batch raises when its list was deleted since the import began (the import job goes
    with the list, so the run ends)."""
    return ValidationFailed("the list was deleted during the import")
