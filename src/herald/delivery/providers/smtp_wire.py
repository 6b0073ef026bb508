"""A lean SMTP client connection: EHLO, STARTTLS/SMTPS, AUTH, and RFC 2920 pipelined sends.

aiosmtplib waits for each reply before the next command and normalises every message's line
ends and dots with regular expressions in Python; for 40 KB messages that costs more CPU than
building and signing them. Our MIME writer already emits CRLF-only bytes, so this client only
dot-stuffs (one C-level ``bytes.replace``) and, when the server offers PIPELINING, sends
``MAIL``/``RCPT``/``DATA`` in one write and reads the three replies together.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from dataclasses import dataclass

_ENVELOPE_ADDRESS = re.compile(r"^[^\s<>\x00-\x1f\x7f]{1,320}$")
MAX_REPLY_LINES = 200


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    text: str


class SmtpReplyError(Exception):
    """The server refused a command: ``code`` ≥ 500 is permanent, 4xx temporary."""

    def __init__(self, code: int, text: str, stage: str) -> None:
        super().__init__(f"{code} {text} ({stage})")
        self.code = code
        self.text = text
        self.stage = stage

    @property
    def permanent(self) -> bool:
        return self.code >= 500


class SmtpProtocolError(Exception):
    """Garbage, a lost connection or a timeout: the connection is unusable (temporary)."""


def dot_stuff(data: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency plus the end-of-data marker; ``data`` has CRLF line ends."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    stuffed = data.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed + b".\r\n"


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
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def tls_context(self) -> ssl.SSLContext:
        if self._tls_context is None:
            self._tls_context = ssl.create_default_context()
        return self._tls_context

    @property
    def is_connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    @property
    def pipelining(self) -> bool:
        return "pipelining" in self.extensions

    async def open(self, username: str | None = None, password: str | None = None) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._open(username, password)
        except TimeoutError as exc:
            self.close()
            raise SmtpProtocolError("timed out opening the connection") from exc

    async def _open(self, username: str | None, password: str | None) -> None:
        try:
            self._reader, self._writer = await asyncio.open_connection(
                self.host,
                self.port,
                ssl=self.tls_context if self.use_tls else None,
                server_hostname=self.host if self.use_tls else None,
            )
            await self._expect(await self._reply(), 220, "greeting")
            await self._ehlo()
            if self.start_tls and not self.use_tls:
                if "starttls" not in self.extensions:
                    raise SmtpProtocolError("server does not offer STARTTLS")
                await self._expect(await self.command(b"STARTTLS"), 220, "STARTTLS")
                assert self._writer is not None
                await self._writer.start_tls(self.tls_context, server_hostname=self.host)
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
        if self._reader is None:
            raise SmtpProtocolError("not connected")
        lines: list[str] = []
        code = 0
        try:
            for _ in range(MAX_REPLY_LINES):
                line = await self._reader.readuntil(b"\n")
                if len(line) < 4 or not line[:3].isdigit():
                    raise SmtpProtocolError(f"malformed reply {line[:80]!r}")
                code = int(line[:3])
                lines.append(line[4:].strip().decode("utf-8", "replace"))
                if line[3:4] != b"-":
                    return Reply(code, "\n".join(lines))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as e:
            self.close()
            raise SmtpProtocolError(f"{type(e).__name__}: {e}") from e
        self.close()
        raise SmtpProtocolError("reply too long")

    def _write(self, data: bytes) -> None:
        if self._writer is None or self._writer.is_closing():
            raise SmtpProtocolError("connection lost")
        self._writer.write(data)

    async def _drain(self) -> None:
        assert self._writer is not None
        try:
            await self._writer.drain()
        except OSError as exc:
            self.close()
            raise SmtpProtocolError(f"{type(exc).__name__}: {exc}") from exc

    async def command(self, line: bytes) -> Reply:
        self._write(line + b"\r\n")
        await self._drain()
        return await self._reply()

    async def send(self, sender: str, recipient: str, data: bytes) -> Reply:
        """One transaction; raises :class:`SmtpReplyError` / :class:`SmtpProtocolError`.

        One deadline covers the whole transaction (cheaper than a timer per reply).
        """
        try:
            async with asyncio.timeout(self.timeout):
                return await self._transaction(sender, recipient, data)
        except TimeoutError as exc:
            self.close()
            raise SmtpProtocolError("timed out") from exc

    async def _transaction(self, sender: str, recipient: str, data: bytes) -> Reply:
        for address in (sender, recipient):
            if not _ENVELOPE_ADDRESS.match(address):
                raise SmtpReplyError(501, f"bad envelope address {address[:80]!r}", "envelope")
        mail = f"MAIL FROM:<{sender}>".encode()
        rcpt = f"RCPT TO:<{recipient}>".encode()
        if self.pipelining:
            self._write(mail + b"\r\n" + rcpt + b"\r\nDATA\r\n")
            await self._drain()
            replies = [await self._reply(), await self._reply(), await self._reply()]
        else:
            replies = [await self.command(mail)]
            if replies[0].code == 250:
                replies.append(await self.command(rcpt))
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
        self._write(dot_stuff(data))
        await self._drain()
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
        try:
            async with asyncio.timeout(self.timeout):
                await self.command(b"QUIT")
        except (SmtpProtocolError, SmtpReplyError, TimeoutError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = None
        self._reader = None
