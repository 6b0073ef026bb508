"""The ``smtp`` distributor: any relay, pooled aiosmtplib connections, STARTTLS or SMTPS.

Connections stay open and carry many messages each (aiosmtplib pipelines MAIL/RCPT/DATA when
the relay offers PIPELINING). Messages are written by the lean MIME writer, DKIM-signed with the
sending domain's active key, and sent with a VERP envelope sender
``bounces+{token}@{bounce domain}`` naming the message (see :mod:`herald.delivery.ids`).
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from herald.delivery import ids
from herald.delivery.dkim import DkimSigner
from herald.delivery.message import OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.mime import render
from herald.delivery.policy import message_key
from herald.kit.tokens import TokenSigner


class KeyringUnavailable(Exception):
    """The DKIM key store could not be read (a temporary condition)."""


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


def _classify(exc: Exception) -> tuple[str, bool]:
    """Return (message, permanent). 5xx replies are permanent; everything else is temporary."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 500 <= code < 600:
        return f"{code} {getattr(exc, 'message', exc)}", True
    return f"{type(exc).__name__}: {exc}", False


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
        self._pool: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._created = 0
        self._pool_size = max(1, pool_size)
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self._config
        context = ssl.create_default_context()
        if not cfg.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        client = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            use_tls=cfg.use_tls,
            start_tls=cfg.start_tls if not cfg.use_tls else False,
            timeout=cfg.timeout,
            tls_context=context,
        )
        await client.connect()
        if cfg.username:
            await client.login(cfg.username, cfg.password or "")
        return client

    async def _acquire(self) -> aiosmtplib.SMTP:
        async with self._lock:
            if self._pool.empty() and self._created < self._pool_size:
                self._created += 1
                try:
                    return await self._connect()
                except Exception:
                    self._created -= 1
                    raise
        return await self._pool.get()

    def _release(self, client: aiosmtplib.SMTP, *, broken: bool) -> None:
        if broken:
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

    async def build(self, message: OutgoingMessage) -> tuple[str, bytes, str]:
        """(envelope sender, signed RFC 5322 bytes, Message-ID) for ``message``."""
        domain = message.sender.rpartition("@")[2].lower()
        mid = message.message_id or f"<{secrets.token_hex(16)}@{domain or 'localhost'}>"
        head, body = render(message, message_id=mid)
        signer = await self.signer(message.tenant_id, domain)
        raw = signer.sign(head, body) if signer else head + b"\r\n" + body
        return self.envelope_sender(message), raw, mid

    async def _send_one(self, message: OutgoingMessage) -> SendResult:
        try:
            client = await self._acquire()
        except Exception as exc:  # connection refused, TLS failure, auth failure…
            text, permanent = _classify(exc)
            return SendResult(False, self.name, error=text, permanent=permanent)
        try:
            return await self._send_on(client, message)
        finally:
            self._release(client, broken=not client.is_connected)

    async def _send_on(self, client: aiosmtplib.SMTP, message: OutgoingMessage) -> SendResult:
        try:
            return_path, raw, mid = await self.build(message)
        except KeyringUnavailable as exc:
            return SendResult(False, self.name, error=f"DKIM keys unavailable: {exc}")
        except Exception as exc:  # a message we cannot build is refused for good
            return SendResult(
                False, self.name, error=f"cannot build message: {exc}", permanent=True
            )
        try:
            if not client.is_connected:
                await client.connect()
            errors, _reply = await client.sendmail(return_path, [message.recipient], raw)
            if errors:
                code, text = next(iter(errors.values()))
                return SendResult(False, self.name, error=f"{code} {text}", permanent=code >= 500)
            return SendResult(True, self.name, provider_message_id=mid)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused else 550
            return SendResult(False, self.name, error=str(exc), permanent=code >= 500)
        except aiosmtplib.SMTPResponseException as exc:
            text, permanent = _classify(exc)
            if exc.code == 421:
                client.close()
            else:
                await _reset(client)
            return SendResult(False, self.name, error=text, permanent=permanent)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            text, _ = _classify(exc)
            return SendResult(False, self.name, error=text, permanent=False)

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        return await self._send_one(message)

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        """Spread the messages over the pooled connections; each carries many in sequence."""
        results: list[SendResult | None] = [None] * len(messages)
        queue = list(enumerate(messages))
        queue.reverse()

        async def lane() -> None:
            while queue:
                try:
                    client = await self._acquire()
                except Exception as exc:
                    text, permanent = _classify(exc)
                    while queue:
                        index, _ = queue.pop()
                        results[index] = SendResult(
                            False, self.name, error=text, permanent=permanent
                        )
                    return
                try:
                    while queue and client.is_connected:
                        index, message = queue.pop()
                        results[index] = await self._send_on(client, message)
                finally:
                    self._release(client, broken=not client.is_connected)

        await asyncio.gather(*(lane() for _ in range(min(self._pool_size, len(messages)))))
        return [r or SendResult(False, self.name, error="not attempted") for r in results]

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        while not self._pool.empty():
            client = self._pool.get_nowait()
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        self._created = 0


async def _reset(client: aiosmtplib.SMTP) -> None:
    """RSET after a refused transaction so the connection can carry the next message."""
    try:
        await client.rset()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()
