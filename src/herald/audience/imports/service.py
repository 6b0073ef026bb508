"""Import jobs: create one with an attestation, spool the upload, read it back, audit the run.

The run itself is :func:`herald.audience.imports.runner.run_import`.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.audience.imports.runner import run_import
from herald.audience.imports.schemas import Attestation, ImportOut, to_out
from herald.audience.lists import get_list
from herald.compliance import audit
from herald.kit.errors import NotFound, ValidationFailed
from herald.models.audience import ImportJob

__all__ = [
    "IMPORT_JOB",
    "MAX_UPLOAD_BYTES",
    "Attestation",
    "ImportOut",
    "create_import",
    "finish_audit",
    "get_import",
    "rejected_path",
    "run_import",
    "spool",
    "spool_dir",
    "to_out",
    "upload_path",
]

IMPORT_JOB = "audience.import"
MAX_UPLOAD_BYTES = 2 * 1024**3


def spool_dir(data_dir: Path) -> Path:
    path = data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(data_dir: Path, import_id: int) -> Path:
    return spool_dir(data_dir) / f"{import_id}.csv"


def rejected_path(data_dir: Path, import_id: int) -> Path:
    return spool_dir(data_dir) / f"{import_id}.rejected.csv"


async def create_import(
    session: AsyncSession,
    actor: Actor,
    list_id: int,
    attestation: Attestation,
    filename: str | None,
) -> ImportJob:
    lst = await get_list(session, actor.scope(), list_id)
    job = ImportJob(
        tenant_id=lst.tenant_id,
        list_id=lst.id,
        operator_id=int(actor.id) if actor.id and actor.id.isdigit() else None,
        filename=(filename or "upload.csv")[:255],
        status="receiving",
        attested_by=attestation.attested_by,
        attested_at=attestation.attested_at,
        consent_method=attestation.consent_method,
        consent_source=attestation.consent_source,
    )
    session.add(job)
    await session.flush()
    return job


async def spool(chunks: AsyncIterator[bytes], path: Path) -> tuple[int, str]:
    """Write an upload to disk chunk by chunk; returns (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as fh:
        async for chunk in chunks:
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise ValidationFailed("the file is larger than 2 GiB")
            digest.update(chunk)
            fh.write(chunk)
    if size == 0:
        raise ValidationFailed("the file is empty")
    return size, digest.hexdigest()


async def get_import(session: AsyncSession, scope: Scope, import_id: int) -> ImportJob:
    job = await session.get(ImportJob, import_id)
    if job is None or not scope.allows(job.tenant_id):
        raise NotFound("import not found")
    return job


async def finish_audit(session: AsyncSession, actor: Actor, job: ImportJob) -> None:
    await audit.record(
        session,
        "newsletter.import",
        actor,
        tenant_id=job.tenant_id,
        target_type="import",
        target_id=job.id,
        details={
            "list_id": job.list_id,
            "status": job.status,
            "imported": job.rows_imported,
            "updated": job.rows_updated,
            "skipped": job.rows_skipped,
            "rejected": job.rows_rejected,
            "sha256": job.file_sha256,
        },
    )
