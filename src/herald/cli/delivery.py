"""``herald dkim …``, ``herald delivery …`` and ``herald bounce-server``: sending-domain keys,
test sends and the bounce mailbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from herald.delivery import dkim_keys
from herald.delivery.dkim import Algorithm
from herald.delivery.inbound import Mailbox
from herald.delivery.inbound.server import DEFAULT_MAX_SIZE, start_server, tls_context
from herald.delivery.testsend import send_test
from herald.kit.db import transaction
from herald.kit.errors import HeraldError
from herald.kit.logging import configure_logging
from herald.kit.settings import get_settings
from herald.migrations.runner import upgrade
from herald.runtime import Runtime, build_runtime

dkim_app = typer.Typer(help="DKIM keys of sending domains.", no_args_is_help=True)
delivery_app = typer.Typer(help="Delivery checks.", no_args_is_help=True)

T = TypeVar("T")


def _run(fn: Callable[[Runtime], Awaitable[T]], *, migrate: bool = False) -> T:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if migrate:
        upgrade(settings.database_url)

    async def main() -> T:
        rt = build_runtime(settings)
        try:
            return await fn(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(main())
    except HeraldError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@dkim_app.command("create")
def dkim_create(
    domain: Annotated[str, typer.Option(help="Sending domain (d=).")],
    selector: Annotated[
        str | None, typer.Option(help="Selector (s=); generated if absent.")
    ] = None,
    algorithm: Annotated[str, typer.Option(help="rsa (2048 bits) or ed25519.")] = "rsa",
    tenant: Annotated[
        str | None, typer.Option(help="Tenant slug (platform-wide if absent).")
    ] = None,
) -> None:
    """Create a key and print the DNS TXT record to publish."""
    if algorithm not in ("rsa", "ed25519"):
        raise typer.BadParameter("algorithm must be rsa or ed25519")

    async def main(rt: Runtime) -> dkim_keys.DkimKeyView:
        from herald.accounts.service import get_tenant_by_slug

        async with transaction(rt.sessions) as session:
            tenant_row = await get_tenant_by_slug(session, tenant) if tenant else None
            return await dkim_keys.create_key(
                session,
                rt.secrets,
                domain,
                algorithm=Algorithm(algorithm),
                selector=selector,
                tenant_id=tenant_row.id if tenant_row else None,
            )

    view = _run(main, migrate=True)
    state = "active" if view.active else "pending (activate it once the record is published)"
    typer.echo(f"key {view.id} for {view.domain}, selector {view.selector}: {state}")
    typer.echo(f'{view.dns_name}. IN TXT "{view.dns_value}"')


@dkim_app.command("list")
def dkim_list(domain: Annotated[str | None, typer.Option(help="Only this domain.")] = None) -> None:
    """List keys with their DNS records."""
    from herald.accounts.context import Scope

    async def main(rt: Runtime) -> list[dkim_keys.DkimKeyView]:
        async with transaction(rt.sessions) as session:
            return await dkim_keys.list_keys(session, Scope.everything(), domain)

    for v in _run(main):
        typer.echo(
            f"{v.id:>4} {v.domain} {v.selector} {v.algorithm} "
            f"{'active' if v.active else 'inactive'}\n     {v.dns_name} TXT {v.dns_value}"
        )


@dkim_app.command("activate")
def dkim_activate(key_id: Annotated[int, typer.Argument(help="Key id.")]) -> None:
    """Make a key its domain's signing key (the previous one retires)."""
    from herald.accounts.context import Scope

    async def main(rt: Runtime) -> dkim_keys.DkimKeyView:
        async with transaction(rt.sessions) as session:
            return await dkim_keys.activate_key(session, Scope.everything(), key_id)

    view = _run(main)
    typer.echo(f"key {view.id} ({view.selector}) now signs for {view.domain}")


@delivery_app.command("test")
def delivery_test(
    to: Annotated[str, typer.Option(help="Recipient address.")],
    via: Annotated[str | None, typer.Option(help="One distributor by name.")] = None,
) -> None:
    """Send a test message through the chain (or one distributor) and print the outcome."""

    async def main(rt: Runtime) -> tuple[bool, str]:
        outcome = await send_test(
            rt.distributor,
            rt.settings.default_from_email,
            rt.settings.default_from_name,
            to,
            via,
        )
        if outcome.accepted:
            detail = f"accepted by {outcome.provider} ({outcome.provider_message_id or '-'})"
        else:
            kind = "permanent" if outcome.permanent else "temporary"
            detail = f"{kind} failure at {outcome.provider}: {outcome.error}"
        return outcome.accepted, f"{outcome.message_id} {detail}"

    accepted, line = _run(main)
    typer.echo(line)
    if not accepted:
        raise typer.Exit(1)


def bounce_server(
    host: Annotated[str, typer.Option(help="Bind address (0.0.0.0 or :: for a public MX).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port (25 for a public MX).")] = 2525,
    max_size: Annotated[
        int, typer.Option(help="Largest message accepted, in bytes (larger: 552).")
    ] = DEFAULT_MAX_SIZE,
    domain: Annotated[
        str | None, typer.Option(help="Bounce domain served (default: HERALD_BOUNCE_DOMAIN).")
    ] = None,
    hostname: Annotated[
        str | None, typer.Option(help="Name in the greeting and EHLO reply (default: domain).")
    ] = None,
    tls_cert: Annotated[
        str | None, typer.Option(help="PEM certificate chain: offer STARTTLS.")
    ] = None,
    tls_key: Annotated[str | None, typer.Option(help="PEM private key of --tls-cert.")] = None,
) -> None:
    """Receive bounces (DSN), complaint reports (ARF) and mailto unsubscribes for the bounce
    domain, and apply them like provider webhooks."""
    served = domain or get_settings().bounce_domain
    if not served:
        raise typer.BadParameter("set HERALD_BOUNCE_DOMAIN or pass --domain", param_hint="--domain")
    if max_size < 1024:
        raise typer.BadParameter("at least 1024 bytes", param_hint="--max-size")
    if bool(tls_cert) != bool(tls_key):
        raise typer.BadParameter("--tls-cert and --tls-key go together", param_hint="--tls-key")
    tls = tls_context(tls_cert, tls_key) if tls_cert and tls_key else None

    async def main(rt: Runtime) -> None:
        if get_settings().log_level.upper() != "DEBUG":
            # aiosmtpd logs every command with the addresses in it, flufl.bounce every detector
            for name in ("mail.log", "flufl.bounce"):
                logging.getLogger(name).setLevel(logging.WARNING)
        mailbox = Mailbox(rt.sessions, rt.signer, rt.keys, served)
        server = await start_server(
            mailbox, host, port, max_size=max_size, hostname=hostname, tls_context=tls
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        bound = ", ".join(str(s.getsockname()[:2]) for s in server.sockets)
        typer.echo(f"bounce mailbox for {mailbox.domain} listening on {bound}")
        try:
            await stop.wait()
        finally:
            server.close()
            await server.wait_closed()

    _run(main, migrate=True)
