"""The ``smtp`` distributor: any relay, pooled connections, STARTTLS or SMTPS.

Connections stay open and carry many messages each, pipelining MAIL/RCPT/DATA when the relay
offers PIPELINING (see :mod:`.smtp_wire`, a lean client written for this hot path). Messages
are written by the lean MIME writer, DKIM-signed with the sending domain's active key, and sent
with a VERP envelope sender ``bounces+{token}@{bounce domain}`` naming the message (see
:mod:`herald.delivery.ids`).
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from herald.delivery import ids
from herald.delivery.dkim import DkimSigner
from herald.delivery.message import OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.mime import render_message
from herald.delivery.policy import message_key
from herald.delivery.providers.smtp_wire import SmtpConnection, SmtpProtocolError, SmtpReplyError
from herald.kit.tokens import TokenSigner


class KeyringUnavailable(Exception):
    """The DKIM key store could not be read (a temporary condition)."""


@dataclass(frozen=True, slots=True)
class _Built:
    message: OutgoingMessage
    return_path: str
    pieces: list[bytes]
    mid: str


class SignerLookup(Protocol):
    async def signer_for(self, tenant_id: int | None, sender_domain: str) -> DkimSigner | None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool
    timeout: float = 30.0
    verify_tls: bool = True

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("HERALD_SMTP_URL must start with smtp:// or smtps://")
        query = parse_qs(parts.query)
        use_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if use_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=query.get("starttls", ["0"])[0] in {"1", "true", "yes"},
            timeout=float(query.get("timeout", ["30"])[0]),
            verify_tls=query.get("verify", ["1"])[0] not in {"0", "false", "no"},
        )


class SmtpDistributor:
    name = "smtp"

    def __init__(
        self,
        config: SmtpConfig,
        pool_size: int = 4,
        *,
        keyring: SignerLookup | None = None,
        tokens: TokenSigner | None = None,
        bounce_domain: str | None = None,
    ) -> None:
        self._config = config
        self._keyring = keyring
        self._tokens = tokens
        self._bounce_domain = bounce_domain
        self._pool: asyncio.Queue[SmtpConnection] = asyncio.Queue()
        self._created = 0
        self._pool_size = max(1, pool_size)
        self._lock = asyncio.Lock()

    async def _connect(self) -> SmtpConnection:
        cfg = self._config
        context = None
        if cfg.use_tls or cfg.start_tls:
            context = ssl.create_default_context()
            if not cfg.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        connection = SmtpConnection(
            cfg.host,
            cfg.port,
            use_tls=cfg.use_tls,
            start_tls=cfg.start_tls,
            tls_context=context,
            timeout=cfg.timeout,
        )
        await connection.open(cfg.username, cfg.password)
        return connection

    async def _acquire(self) -> SmtpConnection:
        async with self._lock:
            if self._pool.empty() and self._created < self._pool_size:
                self._created += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._created -= 1
                    raise
        return await self._pool.get()

    def _release(self, client: SmtpConnection) -> None:
        if not client.is_connected or client.announced is not None:
            self._created -= 1
            client.close()
            return
        self._pool.put_nowait(client)

    def envelope_sender(self, message: OutgoingMessage) -> str:
        key = message_key(message)
        if key is not None and self._tokens is not None and self._bounce_domain:
            return ids.return_path(self._tokens, key, self._bounce_domain)
        return message.sender

    async def signer(self, tenant_id: int | None, domain: str) -> DkimSigner | None:
        if self._keyring is None:
            return None
        try:
            return await self._keyring.signer_for(tenant_id, domain)
        except Exception as exc:  # the key store is unreachable: retry later, never send unsigned
            raise KeyringUnavailable(str(exc)) from exc

    async def build(self, message: OutgoingMessage) -> tuple[str, list[bytes], str]:
        """(envelope sender, the signed RFC 5322 message as pieces, Message-ID) for ``message``.

        The pieces are written to the connection as they are; joined, they are the message.
        """
        domain = message.sender.rpartition("@")[2].lower()
        mid = message.message_id or f"<{secrets.token_hex(16)}@{domain or 'localhost'}>"
        rendered = render_message(message, message_id=mid)
        signer = await self.signer(message.tenant_id, domain)
        pieces = [rendered.head, b"\r\n", *rendered.body]
        if signer is not None:
            pieces.insert(0, signer.header_for(rendered.head, rendered.canonical))
        return self.envelope_sender(message), pieces, mid

    async def _prepare(self, message: OutgoingMessage) -> _Built | SendResult:
        """The message built and signed, or the result that settles it without sending."""
        try:
            return_path, pieces, mid = await self.build(message)
        except KeyringUnavailable as exc:
            return SendResult(False, self.name, error=f"DKIM keys unavailable: {exc}")
        except Exception as exc:  # a message we cannot build is refused for good
            text = f"cannot build message: {exc}"
            return SendResult(False, self.name, error=text, permanent=True)
        return _Built(message, return_path, pieces, mid)

    async def _transfer(
        self, client: SmtpConnection, built: _Built, then: _Built | None = None
    ) -> SendResult:
        """Send ``built`` on ``client``, announcing ``then`` (sent next on this connection)."""
        ahead = (then.return_path, then.message.recipient) if then is not None else None
        try:
            await client.send(built.return_path, built.message.recipient, built.pieces, then=ahead)
            return SendResult(True, self.name, provider_message_id=built.mid)
        except SmtpReplyError as exc:
            if exc.code == 421:
                client.close()  # the server is closing this channel
            return SendResult(False, self.name, error=str(exc), permanent=exc.permanent)
        except (SmtpProtocolError, OSError, TimeoutError) as exc:
            client.close()
            return SendResult(False, self.name, error=f"{type(exc).__name__}: {exc}")

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        try:
            client = await self._acquire()
        except Exception as exc:  # connection refused, TLS failure, auth failure…
            return _connect_failure(exc)
        try:
            built = await self._prepare(message)
            if isinstance(built, SendResult):
                return built
            if not client.is_connected:
                try:
                    await client.open(self._config.username, self._config.password)
                except (SmtpReplyError, SmtpProtocolError, OSError) as exc:
                    return _connect_failure(exc)
            return await self._transfer(client, built)
        finally:
            self._release(client)

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        """Spread the messages over the pooled connections; each carries many in sequence.

        A lane builds its next message before it sends the current one's data, so the next
        envelope rides in the same write (see :meth:`SmtpConnection.send`) — but only while at
        least one message per lane is left for the others: a call with one message per
        connection (the dispatcher's chunks) keeps every connection busy instead.
        """
        results: list[SendResult | None] = [None] * len(messages)
        queue = list(enumerate(messages))
        queue.reverse()
        lanes = min(self._pool_size, len(messages))

        async def next_built() -> tuple[int, _Built] | None:
            while queue:
                index, message = queue.pop()
                built = await self._prepare(message)
                if isinstance(built, _Built):
                    return index, built
                results[index] = built
            return None

        async def lane() -> None:
            while queue:
                try:
                    client = await self._acquire()
                except Exception as exc:
                    while queue:
                        index, _ = queue.pop()
                        results[index] = _connect_failure(exc)
                    return
                try:
                    if not client.is_connected:
                        continue  # pooled, then closed by the server: released and replaced
                    current = await next_built()
                    while current is not None:
                        ahead = client.pipelining and len(queue) >= lanes
                        upcoming = await next_built() if ahead else None
                        index, built = current
                        then = upcoming[1] if upcoming is not None else None
                        results[index] = await self._transfer(client, built, then)
                        current = upcoming
                        if current is not None and not client.is_connected:
                            # Its envelope may have gone out, its data never: send it elsewhere.
                            queue.append((current[0], current[1].message))
                            break
                finally:
                    self._release(client)

        await asyncio.gather(*(lane() for _ in range(lanes)))
        return [r or SendResult(False, self.name, error="not attempted") for r in results]

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        while not self._pool.empty():
            await self._pool.get_nowait().quit()
        self._created = 0


def _connect_failure(exc: Exception) -> SendResult:
    """A refused login (5xx) is permanent for no message: it is configuration, so temporary."""
    return SendResult(False, "smtp", error=f"{type(exc).__name__}: {exc}")
