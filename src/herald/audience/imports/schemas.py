"""What an import is created with (the consent attestation) and how it is reported."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herald.kit import clock
from herald.models.audience import ImportJob


class Attestation(BaseModel):
    """Who vouches for the consent of the people in the file, and how it was collected."""

    model_config = ConfigDict(extra="forbid")

    attested_by: str = Field(min_length=2, max_length=200)
    attested_at: datetime
    consent_method: str = Field(min_length=3, max_length=2000)
    consent_source: str = Field(min_length=3, max_length=2000)

    @field_validator("attested_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("attested_at needs a time zone (e.g. 2026-11-01T10:00:00Z)")
        if value > clock.now():
            raise ValueError("attested_at is in the future")
        return value


class ImportOut(BaseModel):
    id: int
    list_id: int
    status: str
    filename: str | None
    bytes_total: int | None
    bytes_read: int
    progress: float
    rows_total: int
    rows_imported: int
    rows_updated: int
    rows_skipped: int
    rows_rejected: int
    error: str | None = None
    attested_by: str
    attested_at: datetime
    consent_method: str
    consent_source: str
    created_at: datetime
    finished_at: datetime | None


def to_out(job: ImportJob) -> ImportOut:
    progress = (
        1.0
        if job.status == "done"
        else (min(job.bytes_read / job.bytes_total, 0.99) if job.bytes_total else 0.0)
    )
    failure = next((e.get("reason") for e in job.errors or [] if e.get("line") == 0), None)
    return ImportOut(
        id=job.id,
        list_id=job.list_id,
        status=job.status,
        filename=job.filename,
        bytes_total=job.bytes_total,
        bytes_read=job.bytes_read,
        progress=round(progress, 4),
        rows_total=job.rows_total,
        rows_imported=job.rows_imported,
        rows_updated=job.rows_updated,
        rows_skipped=job.rows_skipped,
        rows_rejected=job.rows_rejected,
        error=failure if job.status == "failed" else None,
        attested_by=job.attested_by,
        attested_at=job.attested_at,
        consent_method=job.consent_method,
        consent_source=job.consent_source,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
