"""The lean SMTP client against a loopback server that offers PIPELINING (RFC 2920).

The server reads whatever arrives and answers command by command, so it sees the client's
pipelined MAIL/RCPT/DATA group exactly as a real MTA would; refusals inside a group must leave
the connection usable for the next message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from herald.delivery.providers.smtp_wire import SmtpConnection, SmtpReplyError, dot_stuff


class PipeliningServer:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, bytes]] = []
        self.batched_groups = 0  # MAIL/RCPT/DATA that arrived in a single read

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                ok_rcpt = not recipient.startswith("gone@")
                writer.write(b"250 2.1.5 ok\r\n" if ok_rcpt else b"550 5.1.1 unknown\r\n")
            elif verb == b"DATA":
                if not ok_rcpt:
                    writer.write(b"554 5.5.1 no valid recipients\r\n")
                    continue
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
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
