"""Build RFC 5322 bytes from an :class:`OutgoingMessage` (text + HTML alternative)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from herald.delivery.message import OutgoingMessage
from herald.kit import clock


def _address(email: str, name: str | None) -> str:
    local, _, domain = email.rpartition("@")
    return str(Address(display_name=name or "", username=local, domain=domain))


def build_mime(message: OutgoingMessage, *, default_domain: str = "localhost") -> bytes:
    message.validate()
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(message.sender, message.sender_name)
    msg["To"] = _address(message.recipient, message.recipient_name)
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = message.message_id or make_msgid(domain=default_domain)
    if message.reply_to:
        msg["Reply-To"] = message.reply_to
    for key, value in message.headers.items():
        msg[key] = value
    msg.set_content(message.text or "", subtype="plain", charset="utf-8")
    if message.html:
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
    return msg.as_bytes()


def message_id_domain(sender: str) -> str:
    return sender.rpartition("@")[2] or "localhost"
