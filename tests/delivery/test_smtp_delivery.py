"""SMTP delivery to aiosmtpd on loopback: DKIM from the key store, VERP, classification; sys API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dkim
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from herald.delivery import ids
from herald.delivery.providers.smtp import SmtpDistributor
from herald.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.delivery.test_http_providers import marketing


class Sink:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        if address.startswith("later@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 queued"


@pytest.fixture(scope="module")
def sink() -> Iterator[tuple[Sink, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings_overrides(sink: tuple[Sink, int]) -> dict[str, Any]:
    return {
        "distributors": "smtp,null",
        "smtp_url": f"smtp://127.0.0.1:{sink[1]}",
        "bounce_domain": "bounces.herald.test",
        "default_from_email": "news@news.example.com",
    }


async def test_signed_verp_delivery_with_keys_from_the_sys_api(
    runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str], sink: Any
) -> None:
    handler: Sink = sink[0]
    handler.envelopes.clear()
    created = await app_client.post(
        "/sys/newsletter/sending-domains",
        json={"domain": "news.example.com", "selector": "hr1", "algorithm": "ed25519"},
        headers=sys_headers,
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["active"] and key["dns_name"] == "hr1._domainkey.news.example.com"
    assert key["dns_value"].startswith("v=DKIM1; k=ed25519; p=")
    rotated = await app_client.post(
        "/sys/newsletter/sending-domains/news.example.com/rotate",
        json={"selector": "hr2", "algorithm": "rsa"},
        headers=sys_headers,
    )
    assert rotated.status_code == 201 and not rotated.json()["active"]  # pending until activated
    activated = await app_client.post(
        f"/sys/newsletter/sending-domains/keys/{rotated.json()['id']}/activate", headers=sys_headers
    )
    assert activated.json()["active"]
    listed = (await app_client.get("/sys/newsletter/sending-domains", headers=sys_headers)).json()
    assert [(k["selector"], k["active"]) for k in listed["items"]] == [
        ("hr1", False),
        ("hr2", True),
    ]
    records = {f"{k['dns_name']}.".encode(): k["dns_value"].encode() for k in listed["items"]}

    messages = [marketing(2001, i) for i in range(12)]
    results = await runtime.distributor.send_bulk(messages)
    assert all(r.accepted and r.provider == "smtp" for r in results)
    assert len(handler.envelopes) == 12

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        return records[name]

    secret = TEST_SECRET.encode()
    smtp = runtime.distributor.get("smtp")
    assert isinstance(smtp, SmtpDistributor)
    for envelope in handler.envelopes:
        raw = envelope.original_content
        assert isinstance(raw, bytes)
        assert dkim.verify(raw, dnsfunc=dnsfunc)
        assert b"s=hr2;" in raw  # the activated key signs
        assert envelope.mail_from.endswith("@bounces.herald.test")
        key_from_verp = ids.parse_return_path(smtp._tokens, envelope.mail_from)  # type: ignore[arg-type]
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        mid = next(line for line in head.split("\r\n") if line.startswith("Message-ID:"))
        assert ids.parse_message_id(mid.split(":", 1)[1], [secret]) == key_from_verp
        assert key_from_verp.campaign_id == 2001
        assert envelope.rcpt_tos == [f"s{key_from_verp.subscriber_id}@mail.example.org"]


async def test_smtp_refusals_are_classified(runtime: Runtime, sink: Any) -> None:
    gone, later, fine = (
        marketing(3, 1, to="gone@mail.example.org"),
        marketing(3, 2, to="later@mail.example.org"),
        marketing(3, 3),
    )
    smtp = runtime.distributor.get("smtp")
    assert smtp is not None
    results = await smtp.send_bulk([gone, later, fine])
    assert not results[0].accepted and results[0].permanent
    assert not results[1].accepted and not results[1].permanent
    assert results[2].accepted  # the connection survives a refused transaction


async def test_delivery_test_endpoint_and_distributor_status(
    runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str], sink: Any
) -> None:
    handler: Sink = sink[0]
    before = len(handler.envelopes)
    sent = await app_client.post(
        "/sys/newsletter/delivery/test", json={"to": "ops@mail.example.org"}, headers=sys_headers
    )
    assert sent.status_code == 200 and sent.json()["accepted"], sent.text
    assert sent.json()["provider"] == "smtp"
    assert len(handler.envelopes) == before + 1
    via_null = await app_client.post(
        "/sys/newsletter/delivery/test",
        json={"to": "ops@mail.example.org", "via": "null"},
        headers=sys_headers,
    )
    assert via_null.json()["provider"] == "null"
    outbox = await app_client.get("/sys/newsletter/outbox", headers=sys_headers)
    assert outbox.json()["items"][0]["subject"] == "Herald delivery test"
    unknown = await app_client.post(
        "/sys/newsletter/delivery/test",
        json={"to": "ops@mail.example.org", "via": "nope"},
        headers=sys_headers,
    )
    assert unknown.status_code == 422
    status = await app_client.get("/sys/newsletter/delivery/distributors", headers=sys_headers)
    assert status.json() == [
        {"name": "smtp", "breaker": "closed"},
        {"name": "null", "breaker": "closed"},
    ]
    no_auth = await app_client.post("/sys/newsletter/delivery/test", json={"to": "a@b.example"})
    assert no_auth.status_code == 401


def test_cli_creates_a_key_and_prints_the_record(db_url: str, tmp_path: Path) -> None:
    # A subprocess: the CLI configures process-wide logging on the streams it is given.
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": db_url,
        "HERALD_SECRET_KEY": TEST_SECRET,
        "HERALD_DATA_DIR": str(tmp_path),
        "HERALD_LOG_FORMAT": "console",
    }
    command = [sys.executable, "-m", "herald.cli.main", "dkim", "create"]
    result = subprocess.run(
        [*command, "--domain", "mail.example.net", "--algorithm", "ed25519"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "._domainkey.mail.example.net. IN TXT" in result.stdout
    assert '"v=DKIM1; k=ed25519; p=' in result.stdout
    again = subprocess.run(
        [*command, "--domain", "bad domain"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 2 and "not a valid domain" in again.stderr


def test_cli_delivery_test_reports_the_outcome(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": db_url,
        "HERALD_SECRET_KEY": TEST_SECRET,
        "HERALD_DATA_DIR": str(tmp_path),
        "HERALD_LOG_FORMAT": "console",
        "HERALD_DISTRIBUTORS": "smtp,null",
        "HERALD_SMTP_URL": "smtp://127.0.0.1:9?timeout=2",  # nothing listens: temporary failure
    }
    command = [sys.executable, "-m", "herald.cli.main", "delivery", "test", "--to"]
    via_null = subprocess.run(
        [*command, "ops@mail.example.org", "--via", "null"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert via_null.returncode == 0, via_null.stderr
    assert "accepted by null" in via_null.stdout
    via_smtp = subprocess.run(
        [*command, "ops@mail.example.org", "--via", "smtp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert via_smtp.returncode == 1 and "temporary failure at smtp" in via_smtp.stdout
