"""``herald``: serve, worker, db upgrade, operator/token/tenant admin, outbox, demo seed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import select

from herald.cli.delivery import bounce_server, delivery_app, dkim_app
from herald.cli.transactional import transactional_app
from herald.kit.db import transaction
from herald.kit.errors import HeraldError
from herald.kit.logging import configure_logging
from herald.kit.settings import Settings, get_settings
from herald.migrations.runner import upgrade
from herald.runtime import Runtime, build_runtime

app = typer.Typer(help="Herald: self-hosted newsletter and marketing email.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
operator_app = typer.Typer(help="Console logins.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(operator_app, name="operator")
app.add_typer(token_app, name="token")
app.add_typer(tenant_app, name="tenant")
suppression_app = typer.Typer(help="The shared suppression list.", no_args_is_help=True)
app.add_typer(suppression_app, name="suppression")
app.add_typer(dkim_app, name="dkim")
app.add_typer(delivery_app, name="delivery")
app.command("bounce-server")(bounce_server)
app.add_typer(transactional_app, name="transactional")

T = TypeVar("T")


def _settings() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _run(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        rt = build_runtime(_settings())
        try:
            return await fn(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(main())
    except HeraldError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to HERALD_DATABASE_URL."""
    settings = _settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Web only; run `herald worker` separately.")
    ] = False,
) -> None:
    """Migrate, then serve the web app (and the embedded worker unless --no-worker)."""
    import uvicorn

    from herald.web.app import create_app

    settings = _settings()
    upgrade(settings.database_url)
    application = create_app(settings, embedded_worker=not no_worker)
    forwarded = ",".join(str(n) for n in settings.trusted_proxy_networks) or "127.0.0.1"
    uvicorn.run(
        application,
        host=host,
        port=port,
        proxy_headers=False,  # client IP comes from herald.kit.netaddr, trusted proxies only
        forwarded_allow_ips=forwarded,
        log_config=None,
        access_log=False,
    )


@app.command()
def worker() -> None:
    """Run only the worker and scheduler (any number of these may run against PostgreSQL)."""
    from herald.worker.runner import Worker

    async def main(rt: Runtime) -> None:
        w = Worker(rt)
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, w.stop)
        await w.run_forever()

    settings = _settings()
    upgrade(settings.database_url)
    _run(main)


@operator_app.command("create")
def operator_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(help="Password (at least 10 characters).")],
    role: Annotated[str, typer.Option(help="sys or tenant_admin.")],
    tenant: Annotated[str | None, typer.Option(help="Tenant slug (tenant_admin only).")] = None,
) -> None:
    """Create a console login."""
    from herald.accounts.service import create_operator

    async def main(rt: Runtime) -> str:
        async with transaction(rt.sessions) as session:
            op = await create_operator(session, email, password, role, tenant)
            return op.email

    typer.echo(f"operator {_run(main)} created")


@token_app.command("create")
def token_create(
    operator: Annotated[str, typer.Option(help="Operator email.")],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
) -> None:
    """Print a new API bearer token for an operator."""
    from herald.accounts.service import create_api_token, get_operator_by_email

    async def main(rt: Runtime) -> str:
        async with transaction(rt.sessions) as session:
            op = await get_operator_by_email(session, operator)
            return await create_api_token(session, op, name)

    typer.echo(_run(main))


@tenant_app.command("create")
def tenant_create(
    slug: Annotated[str, typer.Option(help="Short identifier.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    postal_address: Annotated[str | None, typer.Option(help="CAN-SPAM postal address.")] = None,
) -> None:
    """Create a tenant."""
    from herald.accounts.service import create_tenant

    async def main(rt: Runtime) -> str:
        async with transaction(rt.sessions) as session:
            tenant = await create_tenant(session, slug, name, postal_address=postal_address)
            return tenant.slug

    typer.echo(f"tenant {_run(main)} created")


@suppression_app.command("add")
def suppression_add(
    email: Annotated[str, typer.Option(help="Address to block.")],
    reason: Annotated[
        str, typer.Option(help="manual, complaint, hard_bounce, unsubscribe.")
    ] = "manual",
    stream: Annotated[
        str, typer.Option(help="all, or marketing (transactional still sent).")
    ] = "all",
    note: Annotated[str | None, typer.Option(help="Why (kept with the entry).")] = None,
) -> None:
    """Add an address to the platform-wide suppression list (stored as a keyed hash)."""
    from herald.accounts.context import SYSTEM
    from herald.compliance import suppression
    from herald.kit.text import normalise_email

    async def main(rt: Runtime) -> None:
        async with transaction(rt.sessions) as session:
            await suppression.suppress(
                session,
                normalise_email(email),
                tenant_id=None,
                reason=reason,
                stream=stream,
                source=f"cli: {note}" if note else "cli",
                actor=SYSTEM,
            )

    _run(main)
    typer.echo("suppressed")


@suppression_app.command("list")
def suppression_list(
    email: Annotated[str | None, typer.Option(help="Look up one address.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """List suppression entries (hash prefix, stream, reason, source, date)."""
    from herald.compliance import suppression

    async def main(rt: Runtime) -> list[suppression.SuppressionView]:
        async with transaction(rt.sessions) as session:
            return await suppression.list_suppressions(
                session, tenant_filter=None, email=email, limit=limit
            )

    rows = _run(main)
    if not rows:
        typer.echo("no suppressions")
    for r in rows:
        typer.echo(
            f"{r.id:>6}  {r.email_hash[:16]}  {r.stream:<9} {r.reason:<17} "
            f"tenant={r.tenant_id or '-'}  {r.created_at:%Y-%m-%d}  {r.source or ''}"
        )


@suppression_app.command("lift")
def suppression_lift(
    entry: Annotated[int, typer.Option("--id", help="Entry id (from `suppression list`).")],
    reason: Annotated[str, typer.Option(help="Why it is lifted (audited).")],
) -> None:
    """Remove an entry; needs a reason and is audited."""
    from herald.accounts.context import SYSTEM
    from herald.compliance import suppression

    async def main(rt: Runtime) -> None:
        async with transaction(rt.sessions) as session:
            await suppression.lift(session, entry, reason=reason, actor=SYSTEM, scope_ids=None)

    _run(main)
    typer.echo("lifted")


@app.command()
def outbox(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines with bodies.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    recipient: Annotated[str | None, typer.Option(help="Only mail to this address.")] = None,
) -> None:
    """List mail captured by the `null` distributor."""
    from herald.models.delivery import OutboxMessage

    async def main(rt: Runtime) -> list[dict[str, Any]]:
        async with transaction(rt.sessions) as session:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
            if recipient:
                stmt = stmt.where(OutboxMessage.recipient == recipient.lower())
            rows = (await session.execute(stmt)).scalars()
            return [
                {
                    "id": r.id,
                    "captured_at": r.captured_at.isoformat(),
                    "category": r.category,
                    "from": r.sender,
                    "to": r.recipient,
                    "subject": r.subject,
                    "message_id": r.message_id,
                    "headers": r.headers,
                    "text": r.text_body,
                    "html": r.html_body,
                }
                for r in rows
            ]

    rows = _run(main)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("outbox is empty")
    for r in rows:
        typer.echo(
            f"{r['id']:>6}  {r['captured_at'][:19]}  {r['category']:<13} {r['to']:<40} "
            f"{r['subject']}"
        )


@app.command("import")
def import_csv(
    list_slug: Annotated[str, typer.Option("--list", help="List slug.")],
    file: Annotated[str, typer.Option(help="CSV file with an email column.")],
    attested_by: Annotated[str, typer.Option(help="Who vouches for the consent.")],
    consent_method: Annotated[str, typer.Option(help="How consent was collected.")],
    consent_source: Annotated[str, typer.Option(help="Where the addresses come from.")],
    attested_at: Annotated[
        str | None, typer.Option(help="When consent was attested (ISO 8601); default now.")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant slug of the list.")] = None,
) -> None:
    """Import subscribers from a CSV file (the same code as the API import), with progress."""
    import shutil
    from datetime import datetime
    from pathlib import Path

    from pydantic import ValidationError

    from herald.accounts.context import SYSTEM
    from herald.audience.imports import service as imports
    from herald.audience.lists import resolve_slugs
    from herald.kit import clock

    source = Path(file)
    if not source.is_file():
        typer.echo(f"error: {file} is not a file", err=True)
        raise typer.Exit(2)
    try:
        attestation = imports.Attestation(
            attested_by=attested_by,
            attested_at=datetime.fromisoformat(attested_at) if attested_at else clock.now(),
            consent_method=consent_method,
            consent_source=consent_source,
        )
    except (ValidationError, ValueError) as exc:
        typer.echo(f"error: invalid attestation: {exc}", err=True)
        raise typer.Exit(2) from exc

    def progress(p: imports.ImportOut) -> None:
        typer.echo(
            f"\r{p.progress:6.1%}  {p.rows_total:>10,} rows  {p.rows_imported:>10,} imported  "
            f"{p.rows_rejected:>8,} rejected",
            nl=False,
            err=True,
        )

    size = source.stat().st_size

    async def main(rt: Runtime) -> imports.ImportOut:
        async with transaction(rt.sessions) as session:
            tenant_id = None
            if tenant:
                from herald.accounts.service import get_tenant_by_slug

                found = await get_tenant_by_slug(session, tenant)
                assert found is not None
                tenant_id = found.id
            [lst] = await resolve_slugs(
                session, [list_slug], tenant_id=tenant_id, include_platform=tenant_id is None
            )
            job = await imports.create_import(session, SYSTEM, lst.id, attestation, source.name)
            job.bytes_total = size
            job.status = "queued"
            job_id = job.id
        path = imports.upload_path(rt.settings.data_dir, job_id)
        shutil.copyfile(source, path)
        result = await imports.run_import(
            rt.engine,
            job_id,
            path,
            imports.rejected_path(rt.settings.data_dir, job_id),
            on_progress=progress,
        )
        async with transaction(rt.sessions) as session:
            await imports.finish_audit(session, SYSTEM, result)
        return imports.to_out(result)

    _settings()
    upgrade(get_settings().database_url)
    out = _run(main)
    typer.echo("", err=True)
    typer.echo(json.dumps(out.model_dump(mode="json"), indent=2))
    if out.status != "done":
        raise typer.Exit(1)


@app.command()
def seed(
    subscribers: Annotated[int, typer.Option(help="How many demo subscribers.")] = 3000,
) -> None:
    """Load demo data (idempotent): tenants, lists, subscribers in realistic states, operators."""
    from herald.cli.demo import seed_demo

    settings = _settings()
    upgrade(settings.database_url)
    summary = _run(lambda rt: seed_demo(rt, subscribers))
    typer.echo(summary)


@app.command("jobs")
def run_jobs() -> None:
    """Run due jobs once and exit (useful in cron-style deployments and tests)."""
    from herald.worker.runner import Worker

    async def main(rt: Runtime) -> int:
        w = Worker(rt)
        await w.setup()
        return await w.drain()

    typer.echo(f"{_run(main)} unit(s) of work done")


from herald.cli import operators  # noqa: E402 - its commands attach to operator_app

operators.register(operator_app)

if __name__ == "__main__":  # pragma: no cover
    app()
