"""Unsubscribe requests mailed to the ``mailto:`` URI of ``List-Unsubscribe``.

The dispatcher advertises ``<mailto:unsubscribe@{bounce domain}?subject=unsubscribe%20{token}>``
next to the RFC 8058 HTTPS URI (``herald.campaigns.dispatch``), where the token is the same
signed ``unsub`` token the one-click URL carries. A mail client sends a message to
``unsubscribe@…`` whose Subject holds the token; ``unsubscribe+{token}@…`` (the token in the
address) is accepted as well. The token decides everything — the sender's address is not
trusted — and the effect is the one-click unsubscribe's (``audience.optin.unsubscribe``),
recorded with consent method ``mailto_unsub``.
"""

from __future__ import annotations

import re
from email.message import Message

from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience import optin
from herald.delivery.inbound.parts import header
from herald.kit.errors import TokenInvalid
from herald.kit.logging import get_logger
from herald.kit.tokens import TokenSigner

log = get_logger(__name__)

LOCAL_PART = "unsubscribe"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")


def requested(recipients: list[str]) -> str | None:
    """The first recipient that is an unsubscribe address, or None."""
    for address in recipients:
        local = address.strip().strip("<>").rpartition("@")[0]
        if local.partition("+")[0].lower() == LOCAL_PART:
            return address
    return None


def token_for(address: str, msg: Message) -> str | None:
    local = address.strip().strip("<>").rpartition("@")[0]
    _prefix, plus, token = local.partition("+")
    if plus and token:
        return token
    match = _TOKEN.search(header(msg, "Subject") or "")
    return match.group(0) if match else None


async def unsubscribe_by_mail(
    session: AsyncSession, signer: TokenSigner, address: str, msg: Message
) -> str:
    token = token_for(address, msg)
    if token is None:
        log.info("inbound.unsubscribe_without_token")
        return "unsubscribe_invalid"
    try:
        subscriber = await optin.unsubscribe(session, signer, token, method="mailto_unsub")
    except TokenInvalid as exc:
        log.warning("inbound.unsubscribe_forged", reason=exc.message)
        return "unsubscribe_invalid"
    log.info("inbound.unsubscribed", subscriber_id=subscriber.id)
    return "unsubscribed"
