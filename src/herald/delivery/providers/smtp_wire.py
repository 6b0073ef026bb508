"""A lean SMTP client connection: EHLO, STARTTLS/SMTPS, AUTH, and RFC 2920 pipelined sends.

Why not aiosmtplib on the hot path: it waits for each reply before the next command, reads every
reply line through ``StreamReader`` coroutines and normalises each message's line ends and dots
with regular expressions in Python — for 40 KB messages that costs more CPU than building and
signing them, and no maintained client sends pipelined transactions from pre-encoded pieces.

This client is an :class:`asyncio.Protocol`: replies are parsed as octets arrive and handed to
the waiting transaction once all the replies of a pipelined group are in (one wake-up per group).
The MIME writer already emits CRLF-only pieces, so a message is only dot-stuffed (C-level
``bytes.replace`` per piece; the base64 HTML piece never contains a dot and is not copied) and
written with one ``writelines``. With PIPELINING, ``MAIL``/``RCPT``/``DATA`` go in one write.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from collections.abc import Iterable

from herald.delivery.providers.smtp_channel import (
    Reply,
    ReplyChannel,
    SmtpProtocolError,
    SmtpReplyError,
)

__all__ = ["Reply", "SmtpConnection", "SmtpProtocolError", "SmtpReplyError", "dot_stuff", "stuffed"]

_ENVELOPE_ADDRESS = re.compile(r"^[^\s<>\x00-\x1f\x7f]{1,320}$")


def stuffed(pieces: Iterable[bytes]) -> list[bytes]:
    """RFC 5321 §4.5.2 transparency over CRLF text given in pieces, plus the end-of-data line.

    A line may start inside any piece, also right after a CRLF split between two pieces.
    """
    out: list[bytes] = []
    tail = b"\r\n"  # the last two octets written: the first piece starts a line
    for piece in pieces:
        if not piece:
            continue
        if tail == b"\r\n" and piece[:1] == b".":
            out.append(b".")
        elif tail[-1:] == b"\r" and piece[:2] == b"\n.":
            out += (b"\n", b".")
            piece = piece[1:]
        # memchr first: a search for the three-octet pattern costs 50 times more on a large
        # piece without dots (base64).
        out.append(piece.replace(b"\r\n.", b"\r\n..") if b"." in piece else piece)
        tail = piece[-2:] if len(piece) > 1 else tail[-1:] + piece
    if tail != b"\r\n":
        out.append(b"\r\n")
    out.append(b".\r\n")
    return out


def dot_stuff(data: bytes) -> bytes:
    """``data`` (CRLF line ends) dot-stuffed and terminated by the end-of-data line."""
    return b"".join(stuffed((data,)))


def _envelope(sender: str, recipient: str) -> bytes:
    return f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode()


class SmtpConnection:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        use_tls: bool = False,
        start_tls: bool = False,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        local_hostname: str = "herald.localdomain",
    ) -> None:
        self.host = host
        self.port = port
        self.use_tls = use_tls
        self.start_tls = start_tls
        self._tls_context = tls_context
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.extensions: dict[str, str] = {}
        self._channel: ReplyChannel | None = None
        self._announced: tuple[str, str] | None = None

    @property
    def tls_context(self) -> ssl.SSLContext:
        if self._tls_context is None:
            self._tls_context = ssl.create_default_context()
        return self._tls_context

    @property
    def is_connected(self) -> bool:
        channel = self._channel
        return (
            channel is not None
            and channel.error is None
            and channel.transport is not None
            and not channel.transport.is_closing()
        )

    @property
    def pipelining(self) -> bool:
        return "pipelining" in self.extensions

    def _live(self) -> ReplyChannel:
        if self._channel is None:
            raise SmtpProtocolError("not connected")
        return self._channel

    async def open(self, username: str | None = None, password: str | None = None) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._open(username, password)
        except TimeoutError as exc:
            self.close()
            raise SmtpProtocolError("timed out opening the connection") from exc

    async def _open(self, username: str | None, password: str | None) -> None:
        loop = asyncio.get_running_loop()
        channel = ReplyChannel(loop)
        try:
            await loop.create_connection(
                lambda: channel,
                self.host,
                self.port,
                ssl=self.tls_context if self.use_tls else None,
                server_hostname=self.host if self.use_tls else None,
            )
            self._channel = channel
            await self._expect(await self._reply(), 220, "greeting")
            await self._ehlo()
            if self.start_tls and not self.use_tls:
                if "starttls" not in self.extensions:
                    raise SmtpProtocolError("server does not offer STARTTLS")
                await self._expect(await self.command(b"STARTTLS"), 220, "STARTTLS")
                if not channel.idle:  # octets sent before TLS must not count after it
                    raise SmtpProtocolError("data after the STARTTLS reply")
                assert channel.transport is not None
                channel.transport = await loop.start_tls(
                    channel.transport, channel, self.tls_context, server_hostname=self.host
                )
                await self._ehlo()
            if username:
                await self._login(username, password or "")
        except BaseException:
            self.close()
            raise

    async def _ehlo(self) -> None:
        reply = await self.command(f"EHLO {self.local_hostname}".encode())
        await self._expect(reply, 250, "EHLO")
        extensions: dict[str, str] = {}
        for line in reply.text.split("\n")[1:]:
            name, _, params = line.strip().partition(" ")
            extensions[name.lower()] = params
        self.extensions = extensions

    async def _login(self, username: str, password: str) -> None:
        methods = self.extensions.get("auth", "").upper().split()
        if "PLAIN" in methods or not methods:
            token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
            await self._expect(await self.command(f"AUTH PLAIN {token}".encode()), 235, "AUTH")
            return
        if "LOGIN" in methods:
            await self._expect(await self.command(b"AUTH LOGIN"), 334, "AUTH")
            user = base64.b64encode(username.encode())
            await self._expect(await self.command(user), 334, "AUTH")
            secret = base64.b64encode(password.encode())
            await self._expect(await self.command(secret), 235, "AUTH")
            return
        raise SmtpProtocolError(f"no supported AUTH mechanism in {methods}")

    async def _expect(self, reply: Reply, code: int, stage: str) -> Reply:
        if reply.code != code:
            raise SmtpReplyError(reply.code, reply.text, stage)
        return reply

    async def _reply(self) -> Reply:
        return (await self._live().replies(1))[0]

    async def command(self, line: bytes) -> Reply:
        self._live().write(line + b"\r\n")
        return await self._reply()

    async def send(
        self,
        sender: str,
        recipient: str,
        data: bytes | Iterable[bytes],
        *,
        then: tuple[str, str] | None = None,
    ) -> Reply:
        """One transaction; ``data`` is the message (CRLF line ends), whole or in pieces.

        ``then`` announces the envelope (sender, recipient) of the next :meth:`send` on this
        connection: with PIPELINING its MAIL/RCPT/DATA go out right behind this message's data
        (RFC 2920 allows commands after the end-of-data line in one group), so each message
        costs one write and one wait instead of two. Announce only a message that is ready to
        go: once the server has said 354 it must get that message. Raises
        :class:`SmtpReplyError` / :class:`SmtpProtocolError`. One deadline covers the whole
        transaction (cheaper than a timer per reply).
        """
        pieces = (data,) if isinstance(data, bytes) else data
        try:
            async with asyncio.timeout(self.timeout):
                return await self._transaction(sender, recipient, pieces, then)
        except TimeoutError as exc:
            self.close()
            raise SmtpProtocolError("timed out") from exc

    @property
    def announced(self) -> tuple[str, str] | None:
        """The envelope sent ahead for the next transaction; a connection with one pending
        must carry exactly that message next, or be closed."""
        return self._announced

    async def _transaction(
        self,
        sender: str,
        recipient: str,
        pieces: Iterable[bytes],
        then: tuple[str, str] | None,
    ) -> Reply:
        for address in (sender, recipient):
            if not _ENVELOPE_ADDRESS.match(address):
                raise SmtpReplyError(501, f"bad envelope address {address[:80]!r}", "envelope")
        channel = self._live()
        if self._announced is not None:
            if self._announced != (sender, recipient):
                self.close()
                raise SmtpProtocolError("a different transaction was announced")
            self._announced = None
            replies = await channel.replies(3)
        elif self.pipelining:
            channel.write(_envelope(sender, recipient))
            replies = await channel.replies(3)
        else:
            replies = [await self.command(f"MAIL FROM:<{sender}>".encode())]
            if replies[0].code == 250:
                replies.append(await self.command(f"RCPT TO:<{recipient}>".encode()))
                if replies[1].code in (250, 251):
                    replies.append(await self.command(b"DATA"))
        for reply, ok, stage in zip(
            replies, ((250,), (250, 251), (354,)), ("MAIL", "RCPT", "DATA"), strict=False
        ):
            if reply.code not in ok:
                if len(replies) == 3 and replies[2].code == 354:
                    # A server that said 354 despite a refused RCPT expects data: end it empty.
                    await self.command(b".")
                await self.reset()
                raise SmtpReplyError(reply.code, reply.text, stage)
        out = stuffed(pieces)
        if then is not None and self.pipelining and all(map(_ENVELOPE_ADDRESS.match, then)):
            out.append(_envelope(*then))
            self._announced = then
        channel.write(out)
        reply = await self._reply()
        if reply.code != 250:
            raise SmtpReplyError(reply.code, reply.text, "end of data")
        return reply

    async def reset(self) -> None:
        try:
            reply = await self.command(b"RSET")
        except SmtpProtocolError:
            return
        if reply.code != 250:
            self.close()

    async def quit(self) -> None:
        """QUIT, then close and wait (within the timeout) until the transport has closed."""
        channel = self._channel
        try:
            async with asyncio.timeout(self.timeout):
                await self.command(b"QUIT")
                self.close()
                if channel is not None:
                    await channel.closed
        except (SmtpProtocolError, SmtpReplyError, TimeoutError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self._announced = None
        channel, self._channel = self._channel, None
        if channel is not None and channel.transport is not None:
            channel.transport.close()
