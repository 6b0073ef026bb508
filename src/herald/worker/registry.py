"""Which code runs for each job kind and each periodic schedule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from herald.accounts.context import SYSTEM, Actor
from herald.audience.imports import service as imports
from herald.audience.optin import CONFIRMATION_JOB
from herald.campaigns.dispatch.sender import tick
from herald.campaigns.service import START_JOB
from herald.delivery.feedback.retention import purge_expired as purge_delivery_events
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.errors import NotFound
from herald.queue import PermanentJobError, purge_finished
from herald.runtime import Runtime
from herald.tracking.recorder import purge_events
from herald.transactional.jobs import send_confirmation, send_notification
from herald.transactional.service import SEND_JOB

JobHandler = Callable[[Runtime, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    interval_seconds: int
    run: Callable[[Runtime], Awaitable[None]]


async def _confirmation(rt: Runtime, payload: dict[str, Any]) -> None:
    await send_confirmation(
        rt.sessions, rt.signer, rt.distributor, rt.sender, int(payload["subscriber_id"])
    )


async def _notification(rt: Runtime, payload: dict[str, Any]) -> None:
    await send_notification(rt.sessions, rt.distributor, rt.sender, int(payload["notification_id"]))


async def _import(rt: Runtime, payload: dict[str, Any]) -> None:
    import_id = int(payload["import_id"])
    path = imports.upload_path(rt.settings.data_dir, import_id)
    if not path.exists():
        raise PermanentJobError(f"upload of import {import_id} is missing")
    try:
        job = await imports.run_import(
            rt.engine, import_id, path, imports.rejected_path(rt.settings.data_dir, import_id)
        )
    except NotFound as exc:  # deleted with its list, before or during the run
        raise PermanentJobError(f"import {import_id} is gone (its list was deleted)") from exc
    actor = Actor(kind="operator", id=str(job.operator_id)) if job.operator_id else SYSTEM
    async with transaction(rt.sessions) as session:
        await imports.finish_audit(session, actor, job)


async def _campaign_start(rt: Runtime, payload: dict[str, Any]) -> None:
    await rt.dispatcher().start(int(payload["campaign_id"]))


JOB_HANDLERS: dict[str, JobHandler] = {
    CONFIRMATION_JOB: _confirmation,
    SEND_JOB: _notification,
    imports.IMPORT_JOB: _import,
    START_JOB: _campaign_start,
}


async def _purge_jobs(rt: Runtime) -> None:
    async with transaction(rt.sessions) as session:
        await purge_finished(session)


async def _dispatch_tick(rt: Runtime) -> None:
    await tick(rt.dispatcher())


async def _purge_tracking(rt: Runtime) -> None:
    async with transaction(rt.sessions) as session:
        await purge_events(session, clock.now() - TRACKING_RETENTION)


async def _purge_delivery_events(rt: Runtime) -> None:
    days = rt.settings.delivery_event_retention_days
    await purge_delivery_events(rt.sessions, clock.now() - timedelta(days=days))


TRACKING_RETENTION = timedelta(days=90)

PERIODIC: list[Periodic] = [
    Periodic("queue.purge_finished", 3600, _purge_jobs),
    Periodic("campaigns.dispatch_tick", 60, _dispatch_tick),
    Periodic("tracking.purge_expired", 3600, _purge_tracking),
    Periodic("delivery.purge_events", 3600, _purge_delivery_events),
]


def register_job(kind: str, handler: JobHandler) -> None:
    JOB_HANDLERS[kind] = handler


def register_periodic(periodic: Periodic) -> None:
    if all(p.name != periodic.name for p in PERIODIC):
        PERIODIC.append(periodic)
