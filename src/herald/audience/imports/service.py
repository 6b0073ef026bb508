"""Import jobs: create with an attestation, spool the upload, run in batches, report progress."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from herald.accounts.context import Actor, Scope
from herald.audience.imports.reader import ImportReader, Rejected, Row
from herald.audience.imports.writer import Target, create_stage, write_batch
from herald.audience.lists import get_list
from herald.compliance import audit
from herald.compliance.consent import CONSENT_TEXT_VERSION
from herald.compliance.keys import instance_key
from herald.kit import clock
from herald.kit.crypto import keyed_hash
from herald.kit.errors import NotFound, ValidationFailed
from herald.kit.text import csv_safe
from herald.models.audience import ImportJob

IMPORT_JOB = "audience.import"
BATCH_SIZE = 10_000
WRITERS = 2
DEADLOCK_RETRIES = 5
MAX_STORED_ERRORS = 1000
MAX_UPLOAD_BYTES = 2 * 1024**3


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


@dataclass
class _Counters:
    total: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0


async def run_import(
    engine: AsyncEngine,
    import_id: int,
    path: Path,
    rejected_file: Path,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[ImportOut], None] | None = None,
) -> ImportJob:
    """Process the spooled file. Safe to run again from the start (everything is idempotent)."""
    async with contextlib.AsyncExitStack() as stack:
        conn = await stack.enter_async_context(engine.connect())
        async with conn.begin():
            job = await _load_job(conn, import_id)
            await conn.execute(
                update(ImportJob)
                .where(ImportJob.id == import_id)
                .values(
                    status="running",
                    bytes_read=0,
                    rows_total=0,
                    rows_imported=0,
                    rows_updated=0,
                    rows_skipped=0,
                    rows_rejected=0,
                    errors=[],
                    finished_at=None,
                )
            )
            await create_stage(conn)
        async with AsyncSession(bind=conn) as keys_session:
            pepper = await instance_key(keys_session, "suppression_pepper")
            await keys_session.commit()
        # On PostgreSQL a second connection writes every other batch, so the database can use a
        # second core while one batch waits on the other; SQLite has one writer.
        writers: list[Any] = [conn]
        if conn.dialect.name == "postgresql":
            for _ in range(WRITERS - 1):
                extra = await stack.enter_async_context(engine.connect())
                async with extra.begin():
                    await create_stage(extra)
                writers.append(extra)
        scope = job.tenant_id or 0
        target = Target(
            tenant_id=job.tenant_id, scope=scope, list_id=job.list_id, import_id=import_id
        )
        evidence = json.dumps(
            {
                "import_id": import_id,
                "attested_by": job.attested_by,
                "attested_at": job.attested_at.isoformat(),
                "consent_method": job.consent_method,
                "consent_source": job.consent_source,
            }
        )
        counters = _Counters()
        stored_errors: list[dict[str, Any]] = []
        status, failure = "done", None
        with path.open("rb") as raw, rejected_file.open("w", newline="", encoding="utf-8") as rej:
            writer = csv.writer(rej)
            writer.writerow(["line", "reason", "row"])

            def reject(line: int, reason: str, cells: list[str]) -> None:
                counters.rejected += 1
                writer.writerow([line, reason, csv_safe(",".join(cells))[:2000]])
                if len(stored_errors) < MAX_STORED_ERRORS:
                    stored_errors.append({"line": line, "reason": reason})

            try:
                reader = await asyncio.to_thread(ImportReader, raw)
                items = iter(reader)

                def next_batch() -> tuple[list[Row], list[str], int, bool]:
                    """Parse and validate up to one batch (runs in a thread, so the next batch
                    is parsed while the database writes the current one)."""
                    batch: list[Row] = []
                    seen: dict[str, int] = {}
                    for item in items:
                        counters.total += 1
                        if isinstance(item, Rejected):
                            reject(item.line, item.reason, item.raw)
                            continue
                        first = seen.get(item.email)
                        if first is not None:
                            reject(item.line, f"duplicate of line {first}", [item.email])
                            continue
                        seen[item.email] = item.line
                        batch.append(item)
                        if len(batch) >= batch_size:
                            break
                    else:
                        hashes = [keyed_hash(pepper, "email", r.email) for r in batch]
                        return batch, hashes, reader.bytes_read, True
                    hashes = [keyed_hash(pepper, "email", r.email) for r in batch]
                    return batch, hashes, reader.bytes_read, False

                pending = asyncio.ensure_future(asyncio.to_thread(next_batch))
                inflight: dict[asyncio.Task[None], Any] = {}
                free = list(writers)
                try:
                    while True:
                        batch, hashes, read, finished = await pending
                        if not finished:
                            pending = asyncio.ensure_future(asyncio.to_thread(next_batch))
                        if not free:
                            done, _ = await asyncio.wait(
                                inflight, return_when=asyncio.FIRST_COMPLETED
                            )
                            for task in done:
                                task.result()
                                free.append(inflight.pop(task))
                        writer_conn = free.pop()
                        task = asyncio.ensure_future(
                            _flush_retrying(
                                writer_conn,
                                job,
                                target,
                                batch,
                                hashes,
                                evidence,
                                counters,
                                stored_errors,
                                read,
                                on_progress,
                            )
                        )
                        inflight[task] = writer_conn
                        if finished:
                            break
                finally:
                    if inflight:
                        results = await asyncio.gather(*inflight, return_exceptions=True)
                        errors = [r for r in results if isinstance(r, BaseException)]
                        if errors:
                            raise errors[0]
            except ValidationFailed as exc:
                status, failure = "failed", exc.message
        async with conn.begin():
            if failure:
                stored_errors.insert(0, {"line": 0, "reason": failure})
            await conn.execute(
                update(ImportJob)
                .where(ImportJob.id == import_id)
                .values(
                    status=status,
                    errors=stored_errors,
                    finished_at=clock.now(),
                    rows_total=counters.total,
                    rows_imported=counters.imported,
                    rows_updated=counters.updated,
                    rows_skipped=counters.skipped,
                    rows_rejected=counters.rejected,
                    bytes_read=job.bytes_total or 0 if status == "done" else job.bytes_read,
                )
            )
        async with conn.begin():
            result = await _load_job(conn, import_id)
    if on_progress:
        on_progress(to_out(result))
    return result


async def _load_job(conn: Any, import_id: int) -> ImportJob:
    """A detached copy of the job row, read on the import's own connection."""
    row = (
        (await conn.execute(select(ImportJob.__table__).where(ImportJob.id == import_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("import not found")
    return ImportJob(**dict(row))


async def _flush_retrying(*args: Any) -> None:
    """Write a batch; two concurrent batches holding the same address (a duplicate across
    batches of one file) can deadlock on PostgreSQL, and the loser simply tries again."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            await _flush(*args)
            return
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code not in {"40P01", "40001"} or attempt == DEADLOCK_RETRIES - 1:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))


async def _flush(
    conn: Any,
    job: ImportJob,
    target: Target,
    batch: list[Row],
    hashes: list[str],
    evidence: str,
    counters: _Counters,
    stored_errors: list[dict[str, Any]],
    bytes_read: int,
    on_progress: Callable[[ImportOut], None] | None,
) -> None:
    outcome = None
    if batch:
        async with conn.begin():
            outcome = await write_batch(
                conn,
                target,
                batch,
                hashes,
                now=clock.now(),
                evidence=evidence,
                consent_version=f"import:{CONSENT_TEXT_VERSION}",
            )
    # Counted only once the batch is committed, so a retried batch is never counted twice.
    if outcome is not None:
        counters.imported += outcome.imported
        counters.updated += outcome.updated
        for line, reason in outcome.skipped or []:
            counters.skipped += 1
            if len(stored_errors) < MAX_STORED_ERRORS:
                stored_errors.append({"line": line, "reason": f"skipped: {reason}"})
    # Batches finish out of order on two connections: progress never goes backwards.
    job.bytes_read = max(job.bytes_read or 0, bytes_read)
    async with conn.begin():
        await conn.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(
                bytes_read=job.bytes_read,
                rows_total=counters.total,
                rows_imported=counters.imported,
                rows_updated=counters.updated,
                rows_skipped=counters.skipped,
                rows_rejected=counters.rejected,
            )
        )
    if on_progress:
        progress = ImportOut.model_validate(
            to_out(job).model_dump()
            | {
                "rows_total": counters.total,
                "rows_imported": counters.imported,
                "rows_rejected": counters.rejected,
            }
        )
        on_progress(progress)


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
