"""Run an import job: a thread parses and validates the next batch while the database writes
the current ones; progress is written to the job row at most once a second; the run can be
repeated from the start (every write is idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from herald.audience.imports import writer
from herald.audience.imports.batch import BatchOutcome, BatchParams, NotAllNew, RetryBatch
from herald.audience.imports.reader import EMAIL, LINE, ImportReader, Rejected, Row
from herald.audience.imports.schemas import ImportOut, to_out
from herald.compliance.consent import CONSENT_TEXT_VERSION
from herald.compliance.keys import instance_key
from herald.kit import clock
from herald.kit.crypto import keyed_hasher
from herald.kit.errors import NotFound, ValidationFailed
from herald.kit.text import csv_safe
from herald.models.audience import ImportJob

BATCH_SIZE = 10_000
# PostgreSQL: batches are written on two connections at once, so the database keeps working
# while a connection waits for its next statement. With the parser running ahead a third one
# only added contention (WAL writes, the tables' last pages) on a 2-core machine, where the
# import is CPU-bound. SQLite has one writer.
POSTGRES_WRITERS = 2
PARSED_AHEAD = 2  # batches parsed and waiting per stream (10,000 rows each)
PROGRESS_INTERVAL = 1.0  # seconds between progress writes to the job row
CONFLICT_RETRIES = 5
MAX_STORED_ERRORS = 1000

Progress = Callable[[ImportOut], None]


@dataclass(slots=True)
class Batch:
    stream: int  # which connection writes it (see ``batches``)
    rows: list[Row] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)  # suppression hashes of the addresses
    seen: dict[str, int] = field(default_factory=dict)  # address → line, for duplicates
    bytes_read: int = 0
    last: bool = False
    payload: bytes | None = None  # the rows as the database's bulk path takes them, if it has one


class Report:
    """The counts and row issues of one run. Rejected rows go to the CSV report as they are
    parsed; the first ``MAX_STORED_ERRORS`` rejected or skipped rows also to the job row."""

    def __init__(self, rejected_file: IO[str]) -> None:
        self.total = self.imported = self.updated = self.skipped = self.rejected = 0
        self.errors: list[dict[str, Any]] = []
        self._csv = csv.writer(rejected_file)
        self._csv.writerow(["line", "reason", "row"])

    def reject(self, line: int, reason: str, cells: list[str]) -> None:
        self.rejected += 1
        self._csv.writerow([line, reason, csv_safe(",".join(cells))[:2000]])
        self._store(line, reason)

    def add(self, outcome: BatchOutcome) -> None:
        self.imported += outcome.imported
        self.updated += outcome.updated
        for line, reason in outcome.skipped:
            self.skipped += 1
            self._store(line, f"skipped: {reason}")

    def counts(self) -> dict[str, int]:
        return {
            "rows_total": self.total,
            "rows_imported": self.imported,
            "rows_updated": self.updated,
            "rows_skipped": self.skipped,
            "rows_rejected": self.rejected,
        }

    def _store(self, line: int, reason: str) -> None:
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"line": line, "reason": reason})


class BatchWriter:
    """Writes the batches of one run, each in one transaction followed by a progress update.

    Every address is assumed new until one is not, so a first import never pays for conflict
    handling and a re-import pays for one aborted batch. A batch that lost a lock conflict
    with one written at the same time is written again. Outcomes are counted only once
    committed, so never twice.
    """

    def __init__(
        self, job: ImportJob, params: BatchParams, report: Report, on_progress: Progress | None
    ) -> None:
        self.job = job
        self.params = params
        self.report = report
        self.on_progress = on_progress
        self.assume_new = True
        self._progress_written = -PROGRESS_INTERVAL

    async def __call__(self, conn: AsyncConnection, batch: Batch) -> None:
        if batch.rows:
            self.report.add(await self._write(conn, batch))
        await self._progress(conn, batch.bytes_read)

    async def _write(self, conn: AsyncConnection, batch: Batch) -> BatchOutcome:
        conflicts = 0
        while True:
            try:
                async with conn.begin():
                    params = dataclasses.replace(self.params, now=clock.now())
                    return await writer.write_batch(
                        conn,
                        params,
                        batch.rows,
                        batch.hashes,
                        assume_new=self.assume_new,
                        payload=batch.payload,
                    )
            except NotAllNew:
                self.assume_new = False  # for this batch and the rest of the run
            except RetryBatch:
                conflicts += 1
                if conflicts >= CONFLICT_RETRIES:
                    raise
                await asyncio.sleep(0.05 * conflicts)

    async def _progress(self, conn: AsyncConnection, bytes_read: int) -> None:
        job, report = self.job, self.report
        # Batches finish out of order on several connections: progress never goes backwards.
        job.bytes_read = max(job.bytes_read or 0, bytes_read)
        if time.monotonic() - self._progress_written >= PROGRESS_INTERVAL:
            self._progress_written = time.monotonic()
            async with conn.begin():
                if conn.dialect.name == "postgresql":
                    # Rewritten by the next update (or a re-run): no need to wait for the WAL.
                    await conn.execute(text("SET LOCAL synchronous_commit = off"))
                await conn.execute(
                    update(ImportJob)
                    .where(ImportJob.id == job.id)
                    .values(bytes_read=job.bytes_read, **report.counts())
                )
        if self.on_progress:
            counts = report.counts()
            self.on_progress(
                ImportOut.model_validate(
                    to_out(job).model_dump()
                    | {k: counts[k] for k in ("rows_total", "rows_imported", "rows_rejected")}
                )
            )


def batches(
    reader: ImportReader,
    report: Report,
    size: int,
    hash_email: Callable[[str], str],
    streams: int = 1,
) -> Iterator[Batch]:
    """Valid rows in batches of up to ``size``, dealt to ``streams`` streams by the hash of
    their address. An address therefore always goes to the same stream, whose batches one
    connection writes in file order: batches written at the same time never share an address
    (no lock waits or deadlocks between them). A second row for an address already in the batch
    is rejected as a duplicate; one in a later batch counts as already subscribed."""
    filling = [Batch(stream) for stream in range(streams)]
    for item in reader:
        report.total += 1
        if isinstance(item, Rejected):
            report.reject(item.line, item.reason, item.raw)
            continue
        email = item[EMAIL]
        email_hash = hash_email(email)
        stream = int(email_hash[:8], 16) % streams if streams > 1 else 0
        batch = filling[stream]
        first = batch.seen.get(email)
        if first is not None:
            report.reject(item[LINE], f"duplicate of line {first}", [email])
            continue
        batch.seen[email] = item[LINE]
        batch.rows.append(item)
        batch.hashes.append(email_hash)
        if len(batch.rows) >= size:
            batch.bytes_read = reader.bytes_read
            yield batch
            filling[stream] = Batch(stream)
    for batch in filling:
        batch.bytes_read = reader.bytes_read
    filling[-1].last = True
    yield from filling


async def run_import(
    engine: AsyncEngine,
    import_id: int,
    path: Path,
    rejected_file: Path,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> ImportJob:
    """Process the spooled file. Safe to run again from the start (everything is idempotent)."""
    async with contextlib.AsyncExitStack() as stack:
        conn = await stack.enter_async_context(engine.connect())
        job = await _start(conn, import_id)
        async with AsyncSession(bind=conn) as keys_session:
            pepper = await instance_key(keys_session, "suppression_pepper")
            await keys_session.commit()
        writers = [conn]
        if conn.dialect.name == "postgresql":
            for _ in range(POSTGRES_WRITERS - 1):
                writers.append(await stack.enter_async_context(engine.connect()))
        for each in writers:
            async with each.begin():
                await writer.prepare(each)
        params = BatchParams(
            tenant_id=job.tenant_id,
            scope=job.tenant_id or 0,
            list_id=job.list_id,
            import_id=import_id,
            now=clock.now(),
            evidence=json.dumps(
                {
                    "import_id": import_id,
                    "attested_by": job.attested_by,
                    "attested_at": job.attested_at.isoformat(),
                    "consent_method": job.consent_method,
                    "consent_source": job.consent_source,
                }
            ),
            version=f"import:{CONSENT_TEXT_VERSION}",
        )
        status, failure = "done", None
        with path.open("rb") as raw, rejected_file.open("w", newline="", encoding="utf-8") as rej:
            report = Report(rej)
            write = BatchWriter(job, params, report, on_progress)
            try:
                reader = await asyncio.to_thread(ImportReader, raw)
                hasher = keyed_hasher(pepper, "email")
                parsed = batches(reader, report, batch_size, hasher, len(writers))
                await _write_all(writers, parsed, write, encode=writer.encoder(conn))
            except ValidationFailed as exc:
                status, failure = "failed", exc.message
        async with conn.begin():
            if failure:
                report.errors.insert(0, {"line": 0, "reason": failure})
            await conn.execute(
                update(ImportJob)
                .where(ImportJob.id == import_id)
                .values(
                    status=status,
                    errors=report.errors,
                    finished_at=clock.now(),
                    bytes_read=job.bytes_total or 0 if status == "done" else job.bytes_read,
                    **report.counts(),
                )
            )
        async with conn.begin():
            result = await _load_job(conn, import_id)
    if on_progress:
        on_progress(to_out(result))
    return result


async def _start(conn: AsyncConnection, import_id: int) -> ImportJob:
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
    job.bytes_read = 0
    return job


async def _load_job(conn: AsyncConnection, import_id: int) -> ImportJob:
    """A detached copy of the job row, read on the import's own connection."""
    row = (
        (await conn.execute(select(ImportJob.__table__).where(ImportJob.id == import_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("import not found")
    return ImportJob(**dict(row))


def _next_batch(parsed: Iterator[Batch], encode: writer.Encoder | None) -> Batch:
    """The next batch, with its bulk payload when the database has one (in the parsing thread,
    so the event loop only sends it)."""
    batch = next(parsed)
    if encode is not None and batch.rows:
        batch.payload = encode(batch.rows, batch.hashes)
    return batch


async def _write_all(
    writers: list[AsyncConnection],
    parsed: Iterator[Batch],
    write: Callable[[AsyncConnection, Batch], Awaitable[None]],
    ahead: int = PARSED_AHEAD,
    encode: writer.Encoder | None = None,
) -> None:
    """Write every parsed batch on its stream's connection, each stream's batches one at a time
    and in order, while a thread parses ahead.

    The streams fill at the same pace, so their batches come due together; with only the next
    batch parsed, a connection that finished early waited for the parser and the database sat
    partly idle. Each stream therefore has up to ``ahead`` batches parsed and waiting. The first
    error (the parser's or a writer's) ends the run: nothing more is parsed or started, the
    batches being written are finished, and the error is raised.
    """
    queues: list[asyncio.Queue[Batch | None]] = [asyncio.Queue(ahead) for _ in writers]
    errors: list[BaseException] = []

    async def produce() -> None:
        try:
            while not errors:
                # Never leave the parser running on a file that is about to be closed: a
                # cancelled run still waits for the batch being parsed.
                parsing = asyncio.ensure_future(asyncio.to_thread(_next_batch, parsed, encode))
                try:
                    batch = await asyncio.shield(parsing)
                except asyncio.CancelledError:
                    with contextlib.suppress(Exception):
                        await parsing
                    raise
                await queues[batch.stream].put(batch)
                if batch.last:
                    break
        except Exception as exc:
            errors.append(exc)
        # Not reached when the run is cancelled (the consumers are cancelled with it).
        for queue in queues:  # consumers keep taking until they see the end
            await queue.put(None)

    async def consume(conn: AsyncConnection, queue: asyncio.Queue[Batch | None]) -> None:
        while (batch := await queue.get()) is not None:
            if errors:
                continue  # the run has failed: drop what was parsed, take until the end
            try:
                await write(conn, batch)
            except Exception as exc:
                errors.append(exc)

    await asyncio.gather(produce(), *(consume(c, q) for c, q in zip(writers, queues, strict=True)))
    if errors:
        raise errors[0]
