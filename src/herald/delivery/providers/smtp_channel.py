"""The socket side of the lean SMTP client: replies parsed as octets arrive (an asyncio.Protocol).

See :mod:`.smtp_wire` for the connection that drives it and why Herald has its own client.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import cast

MAX_REPLY_LINES = 200
MAX_LINE = 4096


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


class ReplyChannel(asyncio.Protocol):
    """The socket side: collects replies as octets arrive; wakes the waiter when enough are in.

    No write flow control is needed: every write is followed by waiting for its replies, so the
    transport never buffers more than one message.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.error: SmtpProtocolError | None = None
        self._buffer = bytearray()
        self._lines: list[str] = []
        self._replies: deque[Reply] = deque()
        self._want = 0
        self._waiter: asyncio.Future[None] | None = None
        self.closed: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's, under `herald serve`, is no asyncio.Transport subclass).
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(SmtpProtocolError(f"connection lost: {exc}" if exc else "connection closed"))
        self.transport = None
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            self._line(bytes(buffer[start:end]))
            start = end + 1
        del buffer[:start]
        if len(buffer) > MAX_LINE:
            self._fail(SmtpProtocolError("reply line too long"))
        elif len(self._replies) >= self._want:
            self._wake()

    def _line(self, line: bytes) -> None:
        if len(line) < 3 or not line[:3].isdigit() or line[3:4] not in (b" ", b"-", b"\r", b""):
            self._fail(SmtpProtocolError(f"malformed reply {line[:80]!r}"))
            return
        self._lines.append(line[4:].strip().decode("utf-8", "replace"))
        if line[3:4] != b"-":
            self._replies.append(Reply(int(line[:3]), "\n".join(self._lines)))
            self._lines = []
        elif len(self._lines) > MAX_REPLY_LINES:
            self._fail(SmtpProtocolError("reply too long"))

    def _fail(self, error: SmtpProtocolError) -> None:
        if self.error is None:
            self.error = error
        if self.transport is not None:
            self.transport.abort()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    @property
    def idle(self) -> bool:
        """Nothing received that no command asked for (checked before STARTTLS)."""
        return not self._replies and not self._buffer and not self._lines

    async def replies(self, count: int) -> list[Reply]:
        while len(self._replies) < count:
            if self.error is not None:
                raise self.error
            self._want = count
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
                self._want = 0
        return [self._replies.popleft() for _ in range(count)]

    def write(self, data: bytes | list[bytes]) -> None:
        if self.error is not None:
            raise self.error
        if self.transport is None or self.transport.is_closing():
            raise SmtpProtocolError("connection lost")
        if isinstance(data, list):
            self.transport.writelines(data)
        else:
            self.transport.write(data)
