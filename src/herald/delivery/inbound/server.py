"""The SMTP side of the bounce mailbox: an aiosmtpd receiver for the bounce domain's MX.

- ``RCPT TO`` outside the bounce domain: ``550 5.7.1`` (the server relays nothing); more than
  :data:`MAX_RECIPIENTS` per message: ``452 4.5.3``.
- Messages over the size limit are refused by aiosmtpd itself: ``552`` at ``MAIL FROM … SIZE=``
  when announced, else at the end of ``DATA`` (the excess is read and dropped, never stored).
- Every message that arrives whole is answered ``250`` — garbage, auto-replies and forged or
  unattributable reports included (they are logged and ignored; refusing a bounce only makes
  the reporting MTA bounce the bounce). Only a transient failure (the database) answers
  ``451 4.3.0``, so the reporting MTA retries later and the report is not lost; duplicates of a
  retried report are recognised by its dedupe key.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP

from herald.delivery.inbound.service import Mailbox
from herald.kit.errors import Unavailable
from herald.kit.logging import get_logger

log = get_logger(__name__)

MAX_RECIPIENTS = 50
DEFAULT_MAX_SIZE = 10 * 1024 * 1024  # a DSN returns the whole original: newsletters fit easily
IDLE_TIMEOUT_SECONDS = 60.0


class BounceHandler:
    """aiosmtpd hooks (``handle_RCPT``, ``handle_DATA``) over a :class:`Mailbox`."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self.mailbox.accepts(address):
            return f"550 5.7.1 Relay access denied: only {self.mailbox.domain} is served here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or b""
        try:
            await self.mailbox.receive(list(envelope.rcpt_tos), bytes(raw))
        except Unavailable:
            return "451 4.3.0 Temporary failure, please try again later"
        except Exception as exc:  # a bug must not lose the report: the MTA will retry
            log.exception("inbound.failed", error=type(exc).__name__)
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 OK"


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context for STARTTLS (sending MTAs present no client certificate)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


async def start_server(
    mailbox: Mailbox,
    host: str,
    port: int,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    hostname: str | None = None,
    tls_context: ssl.SSLContext | None = None,
    idle_timeout: float = IDLE_TIMEOUT_SECONDS,
) -> asyncio.Server:
    """Listen on ``host:port`` in the running event loop (``port`` 0 picks a free one) and
    return the server; STARTTLS is offered when ``tls_context`` is given."""
    loop = asyncio.get_running_loop()
    handler = BounceHandler(mailbox)

    def protocol() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname or mailbox.domain,
            ident="Herald bounce mailbox",
            tls_context=tls_context,
            timeout=idle_timeout,
            auth_exclude_mechanism=("LOGIN", "PLAIN"),  # nothing to log in to: no AUTH at all
            loop=loop,
        )

    return await loop.create_server(protocol, host=host, port=port)
