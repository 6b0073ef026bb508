"""STARTTLS and AUTH of the lean SMTP client against aiosmtpd (self-signed cert on loopback)."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Handler, int, Path]]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    yield handler, port, cert
    controller.stop()


async def test_starttls_and_auth_plain(tls_server: tuple[Handler, int, Path]) -> None:
    handler, port, cert = tls_server
    context = ssl.create_default_context(cafile=str(cert))
    conn = SmtpConnection("127.0.0.1", port, start_tls=True, tls_context=context, timeout=5)
    await conn.open("relay", "s3cret")
    await conn.send("b@bounce.example", "a@mail.example", b"Subject: tls\r\n\r\nhi\r\n")
    await conn.quit()
    assert handler.envelopes[-1].rcpt_tos == ["a@mail.example"]


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
