"""Request dependencies: one database unit of work per request, the acting principal, client IP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.accounts.service import authenticate_token, tenant_id_for
from herald.accounts.sessions import actor_for_session
from herald.kit.errors import PermissionDenied, Unauthenticated
from herald.kit.netaddr import client_ip
from herald.runtime import Runtime
from herald.web.console import cookies


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Dependencies are ``async def`` even when they never await: FastAPI runs a plain ``def``
# dependency in a worker thread, a hop that costs more than the whole tracking endpoint.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit once after the endpoint returns (before the response is sent), else roll back."""
    runtime = runtime_of(request)
    async with runtime.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip_of(request: Request, runtime: Runtime) -> str:
    """The client's address: the socket peer, or X-Forwarded-For through trusted proxies."""
    peer = request.client.host if request.client else None
    return client_ip(
        peer, request.headers.get("x-forwarded-for"), runtime.settings.trusted_proxy_networks
    )


async def get_client_ip(request: Request) -> str:
    return client_ip_of(request, runtime_of(request))


ClientIP = Annotated[str, Depends(get_client_ip)]


async def get_actor(request: Request, session: SessionDep) -> Actor:
    """A bearer token (API) or a console session cookie (browser; CSRF-checked on writes).

    A bearer token wins when both are present: a cross-site page can make a browser send the
    cookie, never an ``Authorization`` header."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await authenticate_token(session, header[7:].strip())
    runtime = runtime_of(request)
    token = cookies.session_token(request, runtime.settings)
    if token:
        row, operator = await cookies.resolve_request(request, session, runtime, token)
        return actor_for_session(operator, row)
    raise Unauthenticated("authentication required")


ActorDep = Annotated[Actor, Depends(get_actor)]


async def require_sys(actor: ActorDep) -> Actor:
    if not actor.is_sys:
        raise PermissionDenied("platform operators only")
    return actor


SysActor = Annotated[Actor, Depends(require_sys)]


async def require_tenant_context(actor: ActorDep) -> Actor:
    if actor.tenant_id is None:
        raise PermissionDenied("no tenant context: this view is for tenant admins")
    return actor


TenantActor = Annotated[Actor, Depends(require_tenant_context)]


async def require_reader(request: Request, actor: ActorDep) -> Actor:
    """Reads both operator APIs share: sys operators on ``/sys/…``; tenant admins on
    ``/admin/…``, read-only and scoped to their tenant by ``actor.scope()``."""
    if request.url.path.startswith("/admin/"):
        return await require_tenant_context(actor)
    return await require_sys(actor)


ReadActor = Annotated[Actor, Depends(require_reader)]


async def tenant_filter(session: AsyncSession, actor: Actor, slug: str | None) -> int | None:
    """The tenant a read narrows to: the ``tenant`` slug for sys operators (unknown slugs are
    404), always the admin's own tenant for tenant admins (their ``tenant`` is ignored)."""
    if not actor.is_sys:
        return actor.tenant_id
    return await tenant_id_for(session, slug)
