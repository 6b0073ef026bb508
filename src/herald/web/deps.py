"""Request dependencies: one database unit of work per request, the acting principal, client IP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.accounts.service import authenticate_token
from herald.kit.errors import PermissionDenied, Unauthenticated
from herald.kit.netaddr import client_ip
from herald.runtime import Runtime


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


async def get_client_ip(request: Request) -> str:
    runtime = runtime_of(request)
    peer = request.client.host if request.client else None
    return client_ip(
        peer, request.headers.get("x-forwarded-for"), runtime.settings.trusted_proxy_networks
    )


ClientIP = Annotated[str, Depends(get_client_ip)]


async def get_actor(request: Request, session: SessionDep) -> Actor:
    """A bearer token (API) or a console session (set by the console's auth middleware)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await authenticate_token(session, header[7:].strip())
    actor = getattr(request.state, "actor", None)
    if isinstance(actor, Actor):
        return actor
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
