"""The lean SMTP client against a loopback server that offers PIPELINING (RFC 2920).

The server reads whatever arrives and answers command by command, so it sees the client's
pipelined MAIL/RCPT/DATA group exactly as a real MTA would; refusals inside a group must leave
the connection usable for the next message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from herald.delivery.providers.smtp import SmtpConfig, SmtpDistributor
from herald.delivery.providers.smtp_wire import (
    SmtpConnection,
    SmtpProtocolError,
    SmtpReplyError,
    dot_stuff,
    stuffed,
)
from tests.delivery.test_http_providers import marketing


class PipeliningServer:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, bytes]] = []
        self.batched_groups = 0  # MAIL/RCPT/DATA that arrived in a single read
        self.behind_data = 0  # groups that arrived in the same read as the previous message
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(b"220 sink ESMTP\r\n")
        sender = recipient = ""
        ok_rcpt = False
        while True:
            line = await reader.readline()
            if not line:
                break
            if len(reader._buffer) and line.startswith(b"MAIL"):  # type: ignore[attr-defined]
                self.batched_groups += 1
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"MAIL":
                sender, ok_rcpt = line[11:].strip().strip(b"<>").decode(), False
                writer.write(b"250 2.1.0 ok\r\n")
            elif verb == b"RCPT":
                recipient = line[9:].strip().strip(b"<>").decode()
                if recipient.startswith("drop@"):  # the connection breaks mid-transaction
                    writer.transport.abort()
                    return
                ok_rcpt = not recipient.startswith("gone@")
                writer.write(b"250 2.1.5 ok\r\n" if ok_rcpt else b"550 5.1.1 unknown\r\n")
            elif verb == b"DATA":
                if not ok_rcpt:
                    writer.write(b"554 5.5.1 no valid recipients\r\n")
                    continue
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
                if recipient.startswith("slow@"):  # never answers the end of data
                    await reader.read()
                    break
                if reader._buffer.startswith(b"MAIL"):  # type: ignore[attr-defined]
                    self.behind_data += 1
                if recipient.startswith("reject-data@"):
                    writer.write(b"554 5.7.1 content refused\r\n")
                    await writer.drain()
                    continue
                self.messages.append((sender, recipient, body))
                writer.write(b"250 2.0.0 queued\r\n")
            elif verb == b"RSET":
                writer.write(b"250 2.0.0 reset\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 5.5.2 what\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[PipeliningServer, int]]:
    sink = PipeliningServer()
    srv = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    yield sink, port
    srv.close()
    await srv.wait_closed()


async def test_pipelined_group_refusal_and_reuse(server: tuple[PipeliningServer, int]) -> None:
    sink, port = server
    conn = SmtpConnection("127.0.0.1", port, timeout=5)
    await conn.open()
    assert conn.pipelining
    body = b"Subject: x\r\n\r\n.leading dot\r\nline\r\n"
    await conn.send("b+1@bounce.example", "a@mail.example", body)
    with pytest.raises(SmtpReplyError) as refused:
        await conn.send("b+2@bounce.example", "gone@mail.example", body)
    assert refused.value.permanent and refused.value.stage == "RCPT"
    await conn.send("b+3@bounce.example", "c@mail.example", body)
    await conn.quit()
    assert [m[1] for m in sink.messages] == ["a@mail.example", "c@mail.example"]
    assert sink.messages[0][2] == b"Subject: x\r\n\r\n..leading dot\r\nline\r\n.\r\n"
    assert sink.batched_groups >= 1


async def test_envelope_injection_is_refused(server: tuple[PipeliningServer, int]) -> None:
    _, port = server
    conn = SmtpConnection("127.0.0.1", port, timeout=5)
    await conn.open()
    with pytest.raises(SmtpReplyError):
        await conn.send("a@b.example>\r\nRCPT TO:<x@y.example", "c@d.example", b"x\r\n")
    await conn.quit()


def test_dot_stuffing() -> None:
    assert dot_stuff(b".a\r\n..b\r\nc") == b"..a\r\n...b\r\nc\r\n.\r\n"


lines = st.lists(st.sampled_from([b"", b".", b"..", b"a.b", b" .", b"x" * 5]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(text=lines, cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=6))
def test_stuffing_pieces_equals_stuffing_the_whole(text: list[bytes], cuts: list[int]) -> None:
    whole = b"\r\n".join(text)
    points = sorted({min(c, len(whole)) for c in cuts})
    pieces = [whole[a:b] for a, b in zip([0, *points], [*points, len(whole)], strict=True)]
    assert b"".join(stuffed(pieces)) == dot_stuff(whole)
    assert b"".join(stuffed([b"a\r", b"\n.b"])) == b"a\r\n..b\r\n.\r\n"


async def test_a_dropped_connection_or_a_timeout_makes_the_connection_unusable(
    server: tuple[PipeliningServer, int],
) -> None:
    _, port = server
    conn = SmtpConnection("127.0.0.1", port, timeout=0.5)
    await conn.open()
    with pytest.raises(SmtpProtocolError):
        await conn.send("b@bounce.example", "drop@mail.example", b"x\r\n")
    assert not conn.is_connected
    await conn.open()
    with pytest.raises(SmtpProtocolError, match="timed out"):
        await conn.send("b@bounce.example", "slow@mail.example", b"x\r\n")
    assert not conn.is_connected


async def test_distributor_classifies_a_drop_as_temporary_and_reconnects(
    server: tuple[PipeliningServer, int],
) -> None:
    sink, port = server
    smtp = SmtpDistributor(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}?timeout=5"), 1)
    try:
        results = await smtp.send_bulk(
            [marketing(5, 1), marketing(5, 2, to="drop@mail.example"), marketing(5, 3)]
        )
    finally:
        await smtp.close()
    assert results[0].accepted and results[2].accepted
    assert not results[1].accepted and not results[1].permanent
    assert [m[1] for m in sink.messages] == ["s1@mail.example.org", "s3@mail.example.org"]
    assert all(m[2].endswith(b"\r\n.\r\n") for m in sink.messages)


async def test_octets_after_the_starttls_reply_are_refused() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        await reader.readline()
        writer.write(b"250-sink\r\n250 STARTTLS\r\n")
        await reader.readline()
        # An attacker on the path appends a reply that must not be read after the handshake.
        writer.write(b"220 go ahead\r\n250 injected\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        conn = SmtpConnection("127.0.0.1", port, start_tls=True, timeout=5)
        with pytest.raises(SmtpProtocolError, match="STARTTLS"):
            await conn.open()
        assert not conn.is_connected
    finally:
        srv.close()
        await srv.wait_closed()


async def test_the_next_envelope_rides_behind_the_data(
    server: tuple[PipeliningServer, int],
) -> None:
    sink, port = server
    conn = SmtpConnection("127.0.0.1", port, timeout=5)
    await conn.open()
    body = b"Subject: x\r\n\r\nhi\r\n"
    second = ("b+2@bounce.example", "reject-data@mail.example")
    third = ("b+3@bounce.example", "c@mail.example")
    await conn.send("b+1@bounce.example", "a@mail.example", body, then=second)
    assert conn.announced == second
    with pytest.raises(SmtpReplyError) as refused:  # refused at the end of data…
        await conn.send(*second, body, then=third)
    assert refused.value.stage == "end of data" and refused.value.permanent
    assert conn.announced == third  # …while the next envelope was already on its way
    await conn.send(*third, body)
    assert conn.announced is None
    await conn.send("b+4@bounce.example", "d@mail.example", body, then=third)
    with pytest.raises(SmtpProtocolError, match="announced"):  # not the message announced
        await conn.send("b+5@bounce.example", "e@mail.example", body)
    assert not conn.is_connected
    assert [m[1] for m in sink.messages] == ["a@mail.example", "c@mail.example", "d@mail.example"]
    assert sink.behind_data == 3


async def test_distributor_pipelines_across_messages_and_classifies_refusals(
    server: tuple[PipeliningServer, int],
) -> None:
    sink, port = server
    smtp = SmtpDistributor(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}?timeout=5"), 2)
    messages = [marketing(6, i) for i in range(10)]
    messages[3] = marketing(6, 3, to="gone@mail.example")
    messages[6] = marketing(6, 6, to="reject-data@mail.example")
    try:
        results = await smtp.send_bulk(messages)
    finally:
        await smtp.close()
    assert [r.accepted for r in results] == [i not in (3, 6) for i in range(10)]
    assert results[3].permanent and results[6].permanent
    assert len(sink.messages) == 8
    assert sink.behind_data >= 5  # two connections, each announcing its next message


async def test_one_message_per_connection_keeps_every_connection_busy(
    server: tuple[PipeliningServer, int],
) -> None:
    """The dispatcher's chunks: no lane takes a second message while another lane has none."""
    sink, port = server
    smtp = SmtpDistributor(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}?timeout=5"), 3)
    try:
        results = await smtp.send_bulk([marketing(7, i) for i in range(3)])
        assert all(r.accepted for r in results)
        assert sink.connections == 3 and sink.behind_data == 0
        results = await smtp.send_bulk([marketing(7, i) for i in range(3, 15)])
    finally:
        await smtp.close()
    assert all(r.accepted for r in results) and len(sink.messages) == 15
    assert sink.connections == 3 and sink.behind_data > 0
