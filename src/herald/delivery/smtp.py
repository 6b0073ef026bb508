"""The ``smtp`` distributor: any relay, pooled aiosmtplib connections, STARTTLS or SMTPS."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from herald.delivery.message import OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.mime import build_mime, message_id_domain


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

    def __init__(self, config: SmtpConfig, pool_size: int = 4) -> None:
        self._config = config
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

    async def _send_one(self, message: OutgoingMessage) -> SendResult:
        raw = build_mime(message, default_domain=message_id_domain(message.sender))
        return_path = message.headers.get("X-Herald-Return-Path") or message.sender
        try:
            client = await self._acquire()
        except Exception as exc:  # connection refused, TLS failure, auth failure…
            text, permanent = _classify(exc)
            return SendResult(False, self.name, error=text, permanent=permanent)
        broken = False
        try:
            if not client.is_connected:
                await client.connect()
            errors, _reply = await client.sendmail(return_path, [message.recipient], raw)
            if errors:
                code, text = next(iter(errors.values()))
                return SendResult(False, self.name, error=f"{code} {text}", permanent=code >= 500)
            return SendResult(True, self.name, provider_message_id=_message_id(raw))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused else 550
            return SendResult(False, self.name, error=str(exc), permanent=code >= 500)
        except aiosmtplib.SMTPResponseException as exc:
            text, permanent = _classify(exc)
            if exc.code == 421:
                broken = True
            return SendResult(False, self.name, error=text, permanent=permanent)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            broken = True
            text, _ = _classify(exc)
            return SendResult(False, self.name, error=text, permanent=False)
        finally:
            self._release(client, broken=broken)

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        return await self._send_one(message)

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        return list(await asyncio.gather(*(self._send_one(m) for m in messages)))

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


def _message_id(raw: bytes) -> str | None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return None
