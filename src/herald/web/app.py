"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from herald import __version__
from herald.kit.settings import Settings, get_settings
from herald.runtime import Runtime, build_runtime
from herald.web import errors, webhooks
from herald.web.admin import views as admin_views
from herald.web.console import auth as console_auth
from herald.web.console import static as console_static
from herald.web.console import twostep as console_twostep
from herald.web.public import embed as public_embed
from herald.web.public import home as public_home
from herald.web.public import newsletter as public_newsletter
from herald.web.public import tracking as public_tracking
from herald.web.sys import audit as sys_audit
from herald.web.sys import campaigns as sys_campaigns
from herald.web.sys import delivery as sys_delivery
from herald.web.sys import imports as sys_imports
from herald.web.sys import lists as sys_lists
from herald.web.sys import outbox as sys_outbox
from herald.web.sys import overview as sys_overview
from herald.web.sys import privacy as sys_privacy
from herald.web.sys import segments as sys_segments
from herald.web.sys import subscribers as sys_subscribers
from herald.web.sys import suppressions as sys_suppressions
from herald.web.sys import templates as sys_templates
from herald.web.sys import tenants as sys_tenants
from herald.web.sys import transactional as sys_transactional
from herald.worker.runner import Worker


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    embedded_worker: bool = False,
) -> FastAPI:
    """Build the app. With ``embedded_worker`` the worker and scheduler run in this process."""
    settings = settings or (runtime.settings if runtime else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        rt = runtime or build_runtime(settings)
        app.state.runtime = rt
        rt.notifier()  # unusable transactional templates stop the start, not a later send
        task: asyncio.Task[None] | None = None
        worker: Worker | None = None
        if embedded_worker:
            worker = Worker(rt)
            task = asyncio.create_task(worker.run_forever(), name="herald-worker")
        try:
            yield
        finally:
            if worker and task:
                worker.stop()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=30)
            if owned:
                await rt.close()

    app = FastAPI(
        title="Herald",
        version=__version__,
        summary="Self-hosted, multi-tenant newsletter and marketing-email engine",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # The interactive docs pages load their scripts from a CDN; Herald serves nothing that
        # needs the internet. The schema itself is at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    errors.install(app)
    # The tracking pixel and click redirect are the hot path: routes match in order, so they go
    # first (matching them last cost a third of each request's time).
    app.router.routes[0:0] = public_tracking.routes
    app.include_router(public_newsletter.router)
    app.include_router(public_embed.router)
    app.include_router(sys_lists.router)
    app.include_router(sys_imports.router)
    app.include_router(sys_audit.router)
    app.include_router(sys_subscribers.router)
    app.include_router(sys_outbox.router)
    app.include_router(sys_privacy.router)
    app.include_router(sys_delivery.router)
    app.include_router(sys_segments.router)
    app.include_router(sys_suppressions.router)
    app.include_router(sys_templates.router)
    app.include_router(sys_campaigns.router)
    app.include_router(sys_transactional.router)
    app.include_router(sys_tenants.router)
    app.include_router(admin_views.router)
    # Reads tenant admins share with sys operators (scoped to their tenant, read-only).
    for module in (
        sys_lists,
        sys_subscribers,
        sys_privacy,
        sys_imports,
        sys_audit,
        sys_suppressions,
        sys_outbox,
        sys_campaigns,
        sys_segments,
        sys_overview,
        sys_templates,
        sys_tenants,
    ):
        app.include_router(module.admin_router)
    app.include_router(sys_overview.router)
    app.include_router(webhooks.router)
    app.include_router(console_auth.router)
    app.include_router(console_twostep.router)
    app.include_router(console_static.router)  # after the API: it answers every /console/ path

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    app.include_router(public_home.router)
    _describe_plain_routes(app)
    return app


def _describe_plain_routes(app: FastAPI) -> None:
    """Add the Starlette-level tracking routes to the generated OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("paths", {}).update(public_tracking.openapi_paths())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
