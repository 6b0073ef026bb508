"""The provider-neutral message every distributor accepts, and what a send returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from herald.kit.errors import ValidationFailed
from herald.kit.text import ensure_header_safe


class Category(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


@dataclass(slots=True)
class OutgoingMessage:
    category: Category
    sender: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    sender_name: str | None = None
    recipient_name: str | None = None
    reply_to: str | None = None
    message_id: str | None = None  # "<…@…>"; deterministic from the ledger row when sending bulk
    idempotency_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    tenant_id: int | None = None
    tags: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        for name, value in (
            ("subject", self.subject),
            ("sender", self.sender),
            ("recipient", self.recipient),
            ("sender_name", self.sender_name or ""),
            ("recipient_name", self.recipient_name or ""),
            ("reply_to", self.reply_to or ""),
            ("message_id", self.message_id or ""),
        ):
            ensure_header_safe(value, name)
        for key, value in self.headers.items():
            ensure_header_safe(key, "header name")
            ensure_header_safe(value, key)
        # Subscribe accepts internationalised addresses (RFC 6531), but Herald writes ASCII
        # headers and speaks plain SMTP, so such an address is a permanent failure of its own
        # message, found here before any distributor builds a batch it would spoil.
        for name, address in (
            ("sender", self.sender),
            ("recipient", self.recipient),
            ("reply_to", self.reply_to or ""),
        ):
            if not address.isascii():
                raise ValidationFailed(
                    f"{name} {address!r} is an internationalised address (SMTPUTF8), "
                    "which Herald cannot send to yet",
                    field=name,
                )


@dataclass(slots=True)
class SendResult:
    accepted: bool
    provider: str
    provider_message_id: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None  # seconds the provider asked us to wait (429)


@dataclass(slots=True)
class WebhookRequest:
    headers: dict[str, str]  # names lower-cased by the web layer
    body: bytes
    query: dict[str, str]


class TemporaryFailure(Exception):
    """The provider could not take the message now; retry later (maybe elsewhere)."""


class PermanentFailure(Exception):
    """The provider refused the message for good; do not retry it."""


class EmailDistributor(Protocol):
    """The last hop. Adapters never raise for a refused message: they return a
    :class:`SendResult` classified as accepted, temporary (retry later, maybe elsewhere) or
    permanent (record, never retry); results of ``send_bulk`` are in input order."""

    name: str

    async def send_transactional(self, message: OutgoingMessage) -> SendResult: ...

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]: ...

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]: ...

    async def close(self) -> None: ...
