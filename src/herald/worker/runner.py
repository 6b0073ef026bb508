"""The worker: claims due job rows and due schedules, runs them, records the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import traceback

from herald.kit.db import transaction
from herald.kit.logging import get_logger
from herald.queue import (
    ClaimedJob,
    PermanentJobError,
    claim_due_schedules,
    claim_jobs,
    complete_job,
    ensure_schedule,
    fail_job,
    finish_schedule,
)
from herald.runtime import Runtime
from herald.worker.registry import JOB_HANDLERS, PERIODIC

log = get_logger(__name__)


class Worker:
    def __init__(self, runtime: Runtime, *, batch: int = 20, worker_id: str | None = None) -> None:
        self.rt = runtime
        self.batch = batch
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def setup(self) -> None:
        async with transaction(self.rt.sessions) as session:
            for periodic in PERIODIC:
                await ensure_schedule(session, periodic.name, periodic.interval_seconds)

    async def _run_job(self, job: ClaimedJob) -> None:
        handler = JOB_HANDLERS.get(job.kind)
        error: str | None = None
        permanent = False
        if handler is None:
            error, permanent = f"no handler for job kind {job.kind!r}", True
        else:
            try:
                await handler(self.rt, job.payload)
            except PermanentJobError as exc:
                error, permanent = str(exc), True
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "job.failed",
                    kind=job.kind,
                    job_id=job.id,
                    error=error,
                    trace=traceback.format_exc(limit=5),
                )
        async with transaction(self.rt.sessions) as session:
            if error is None:
                await complete_job(session, job.id)
            else:
                await fail_job(session, job, error, permanent=permanent)

    async def run_once(self) -> int:
        """One pass: due schedules, then one batch of jobs. Returns how much work was done."""
        done = 0
        async with transaction(self.rt.sessions) as session:
            names = await claim_due_schedules(session, self.worker_id)
        for name in names:
            periodic = next((p for p in PERIODIC if p.name == name), None)
            error = None
            if periodic is not None:
                try:
                    await periodic.run(self.rt)
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("schedule.failed", name=name, error=error)
            async with transaction(self.rt.sessions) as session:
                await finish_schedule(session, name, error)
            done += 1
        async with transaction(self.rt.sessions) as session:
            jobs = await claim_jobs(session, self.worker_id, limit=self.batch)
        for job in jobs:
            await self._run_job(job)
        sent = await self.rt.dispatcher().send_pass()
        return done + len(jobs) + sent

    async def drain(self, max_passes: int = 100) -> int:
        """Run passes until nothing is due (tests and the CLI use this)."""
        total = 0
        for _ in range(max_passes):
            n = await self.run_once()
            total += n
            if n == 0:
                break
        return total

    async def run_forever(self) -> None:
        await self.setup()
        log.info("worker.started", worker_id=self.worker_id)
        while not self._stop.is_set():
            try:
                did = await self.run_once()
            except Exception as exc:
                log.error("worker.pass_failed", error=f"{type(exc).__name__}: {exc}")
                did = 0
            if did == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stop.wait(), timeout=self.rt.settings.worker_poll_seconds
                    )
        log.info("worker.stopped", worker_id=self.worker_id)
