"""STARTTLS, SMTPS and AUTH of the lean SMTP client against aiosmtpd (self-signed certificate)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from herald.delivery.providers.smtp import SmtpConfig, SmtpDistributor
from herald.delivery.providers.smtp_wire import SmtpConnection, SmtpReplyError
from tests.delivery.test_http_providers import marketing
from tests.support.tls import self_signed


class Handler:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay", b"s3cret")
    return AuthResult(success=ok, handled=False)


def serve_tls(
    factory: pytest.TempPathFactory, *, starttls: bool, **options: Any
) -> Iterator[tuple[Handler, int, Path]]:
    """aiosmtpd with a fresh self-signed certificate, offering STARTTLS or speaking SMTPS."""
    cert, key = self_signed(factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options["tls_context" if starttls else "ssl_context"] = context
    handler = Handler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    yield handler, port, cert
    controller.stop()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Handler, int, Path]]:
    yield from serve_tls(
        tmp_path_factory, starttls=True, require_starttls=True, auth_require_tls=True
    )


async def test_starttls_and_auth_plain(tls_server: tuple[Handler, int, Path]) -> None:
    handler, port, cert = tls_server
    context = ssl.create_default_context(cafile=str(cert))
    conn = SmtpConnection("127.0.0.1", port, start_tls=True, tls_context=context, timeout=5)
    await conn.open("relay", "s3cret")
    await conn.send("b@bounce.example", "a@mail.example", b"Subject: tls\r\n\r\nhi\r\n")
    await conn.quit()
    assert handler.envelopes[-1].rcpt_tos == ["a@mail.example"]


def test_starttls_and_pipelined_sends_on_uvloop(tls_server: tuple[Handler, int, Path]) -> None:
    """`herald serve` runs under uvicorn, on uvloop: its transports are not asyncio's classes."""
    uvloop = pytest.importorskip("uvloop")
    handler, port, cert = tls_server
    context = ssl.create_default_context(cafile=str(cert))

    async def scenario() -> None:
        conn = SmtpConnection("127.0.0.1", port, start_tls=True, tls_context=context, timeout=5)
        await conn.open("relay", "s3cret")
        then = ("b@bounce.example", "uv2@mail.example")
        await conn.send(
            "b@bounce.example", "uv1@mail.example", b"Subject: uv\r\n\r\n.\r\n", then=then
        )
        await conn.send(*then, [b"Subject: uv\r\n", b"\r\nhi\r\n"])
        await conn.quit()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(scenario())
    assert [e.rcpt_tos for e in handler.envelopes[-2:]] == [
        ["uv1@mail.example"],
        ["uv2@mail.example"],
    ]
    assert handler.envelopes[-2].original_content == b"Subject: uv\r\n\r\n.\r\n"  # unstuffed


async def test_wrong_password_and_untrusted_certificate(
    tls_server: tuple[Handler, int, Path],
) -> None:
    _, port, cert = tls_server
    trusted = ssl.create_default_context(cafile=str(cert))
    conn = SmtpConnection("127.0.0.1", port, start_tls=True, tls_context=trusted, timeout=5)
    with pytest.raises(SmtpReplyError) as denied:
        await conn.open("relay", "wrong")
    assert denied.value.code == 535 and not conn.is_connected
    untrusted = SmtpConnection("127.0.0.1", port, start_tls=True, timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        await untrusted.open()


async def test_distributor_over_starttls_with_verification_off(
    tls_server: tuple[Handler, int, Path],
) -> None:
    handler, port, _ = tls_server
    config = SmtpConfig.from_url(f"smtp://relay:s3cret@127.0.0.1:{port}?starttls=1&verify=0")
    smtp = SmtpDistributor(config, pool_size=2)
    try:
        results = await smtp.send_bulk([marketing(8, i) for i in range(5)])
    finally:
        await smtp.close()
    assert all(r.accepted for r in results)
    assert {e.rcpt_tos[0] for e in handler.envelopes} >= {
        f"s{i}@mail.example.org" for i in range(5)
    }


@pytest.fixture(scope="module")
def smtps_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Handler, int, Path]]:
    """Implicit TLS (SMTPS) offering only AUTH LOGIN."""
    # The whole session is TLS; aiosmtpd's auth_require_tls only tracks STARTTLS.
    yield from serve_tls(
        tmp_path_factory, starttls=False, auth_require_tls=False, auth_exclude_mechanism=["PLAIN"]
    )


async def test_smtps_with_auth_login(smtps_server: tuple[Handler, int, Path]) -> None:
    handler, port, cert = smtps_server
    context = ssl.create_default_context(cafile=str(cert))
    conn = SmtpConnection("127.0.0.1", port, use_tls=True, tls_context=context, timeout=5)
    await conn.open("relay", "s3cret")
    assert conn.extensions["auth"].split() == ["LOGIN"]
    await conn.send("b@bounce.example", "t@mail.example", [b"Subject: smtps\r\n", b"\r\n.hi\r\n"])
    await conn.quit()
    assert handler.envelopes[-1].rcpt_tos == ["t@mail.example"]
    assert handler.envelopes[-1].original_content == b"Subject: smtps\r\n\r\n.hi\r\n"
    config = SmtpConfig.from_url(f"smtps://relay:wrong@127.0.0.1:{port}?verify=0")
    smtp = SmtpDistributor(config, pool_size=1)
    try:
        refused = await smtp.send_bulk([marketing(9, 1)])
    finally:
        await smtp.close()
    assert not refused[0].accepted and not refused[0].permanent  # configuration: temporary
