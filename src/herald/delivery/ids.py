"""The message id scheme shared by the dispatcher, the distributors and feedback processing.

One *key* names a logical message; every provider handle is derived from it, so a retried send
carries the same handle and feedback (provider events, bounces) maps back to the ledger row:

- key (idempotency key, Mailjet ``CustomID``): ``m:{campaign_id}:{subscriber_id}`` (marketing),
  ``t:{notification_id}`` (transactional), ``c:{subscriber_id}:{nonce}`` (confirmation);
  every part is a non-negative decimal integer.
- ``Message-ID``: ``<{kind}.{parts joined by .}.{8-hex HMAC}@{sender domain}>``; the HMAC lets
  feedback tell our ids from forged ones.
- ACS ``Operation-Id``: ``uuid5(NAMESPACE_URL, "herald:" + key)``.
- VERP ``Return-Path``: ``bounces+{token}@{bounce domain}``, a :class:`TokenSigner` token of
  purpose ``BOUNCE`` that packs the same key.
"""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from herald.kit.errors import TokenInvalid
from herald.kit.tokens import Purpose, TokenSigner


class Kind(StrEnum):
    MARKETING = "m"
    TRANSACTIONAL = "t"
    CONFIRMATION = "c"


_ARITY = {Kind.MARKETING: 2, Kind.TRANSACTIONAL: 1, Kind.CONFIRMATION: 2}
_KIND_CODE = {Kind.MARKETING: 1, Kind.TRANSACTIONAL: 2, Kind.CONFIRMATION: 3}
_CODE_KIND = {v: k for k, v in _KIND_CODE.items()}
_PART_BITS = 60  # VERP packs the kind into the top bits of the token's second integer
_MAX_PART = (1 << _PART_BITS) - 1
_MID = re.compile(r"^<?([mtc])\.([0-9.]+)\.([0-9a-f]{8})@([^>\s]+)>?$")


@dataclass(frozen=True, slots=True)
class MessageKey:
    kind: Kind
    parts: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.parts) != _ARITY[self.kind]:
            raise ValueError(f"{self.kind.value} keys have {_ARITY[self.kind]} part(s)")
        if any(not 0 <= p <= _MAX_PART for p in self.parts):
            raise ValueError("id parts must be non-negative integers below 2**60")

    def __str__(self) -> str:
        return ":".join([self.kind.value, *(str(p) for p in self.parts)])

    @property
    def campaign_id(self) -> int | None:
        return self.parts[0] if self.kind is Kind.MARKETING else None

    @property
    def subscriber_id(self) -> int | None:
        if self.kind is Kind.MARKETING:
            return self.parts[1]
        if self.kind is Kind.CONFIRMATION:
            return self.parts[0]
        return None

    @property
    def notification_id(self) -> int | None:
        return self.parts[0] if self.kind is Kind.TRANSACTIONAL else None


def marketing_key(campaign_id: int, subscriber_id: int) -> MessageKey:
    return MessageKey(Kind.MARKETING, (campaign_id, subscriber_id))


def transactional_key(notification_id: int) -> MessageKey:
    return MessageKey(Kind.TRANSACTIONAL, (notification_id,))


def confirmation_key(subscriber_id: int, nonce: int) -> MessageKey:
    return MessageKey(Kind.CONFIRMATION, (subscriber_id, nonce))


def parse_key(text: str) -> MessageKey:
    """Parse ``m:1:2`` / ``t:3`` / ``c:4:5``; raise ``ValueError`` for anything else."""
    kind_text, *rest = (text or "").split(":")
    try:
        kind = Kind(kind_text)
    except ValueError as exc:
        raise ValueError(f"unknown message key kind in {text!r}") from exc
    if not rest or not all(p.isascii() and p.isdigit() for p in rest):
        raise ValueError(f"malformed message key {text!r}")
    return MessageKey(kind, tuple(int(p) for p in rest))


def _mid_mac(secret: bytes, key: MessageKey, domain: str) -> str:
    material = f"herald-mid\x00{key}\x00{domain.lower()}".encode()
    return hmac.digest(secret, material, "sha256").hex()[:8]


def message_id(key: MessageKey, domain: str, secret: bytes) -> str:
    """``<m.12.345.1a2b3c4d@news.example>``: deterministic for a key and sender domain."""
    dotted = ".".join([key.kind.value, *(str(p) for p in key.parts)])
    return f"<{dotted}.{_mid_mac(secret, key, domain)}@{domain}>"


def _split_message_id(value: str) -> tuple[MessageKey, str, str] | None:
    match = _MID.match((value or "").strip())
    if not match:
        return None
    kind_text, dotted, mac, domain = match.groups()
    try:
        key = MessageKey(Kind(kind_text), tuple(int(p) for p in dotted.split(".")))
    except ValueError:
        return None
    return key, mac, domain


def claimed_message_key(value: str) -> MessageKey | None:
    """The key a Message-ID of our shape *claims*, its HMAC unchecked (e.g. signed with a key
    rotated out since). Trust it only after matching the whole id against the delivery ledger."""
    found = _split_message_id(value)
    return found[0] if found else None


def parse_message_id(value: str, secrets: list[bytes]) -> MessageKey | None:
    """The key behind one of our Message-IDs, or None (foreign or forged ids)."""
    found = _split_message_id(value)
    if found is None:
        return None
    key, mac, domain = found
    for secret in secrets:
        if hmac.compare_digest(_mid_mac(secret, key, domain), mac):
            return key
    return None


def operation_id(key: MessageKey | str) -> uuid.UUID:
    """The ACS ``Operation-Id``: a UUIDv5, identical for every retry of the same message."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"herald:{key}")


def verp_token(signer: TokenSigner, key: MessageKey) -> str:
    second = key.parts[1] if len(key.parts) > 1 else 0
    return signer.issue(Purpose.BOUNCE, key.parts[0], (_KIND_CODE[key.kind] << _PART_BITS) | second)


def parse_verp_token(signer: TokenSigner, token: str) -> MessageKey:
    """Verify a VERP token (raises :class:`TokenInvalid`) and return its message key."""
    claims = signer.verify(token, Purpose.BOUNCE)
    kind = _CODE_KIND.get(claims.obj >> _PART_BITS)
    if kind is None:
        raise TokenInvalid("unknown message kind")
    second = claims.obj & _MAX_PART
    parts = (claims.subject,) if _ARITY[kind] == 1 else (claims.subject, second)
    return MessageKey(kind, parts)


def return_path(signer: TokenSigner, key: MessageKey, bounce_domain: str) -> str:
    """``bounces+{token}@{bounce_domain}`` (the token is URL-safe base64 with one dot)."""
    return f"bounces+{verp_token(signer, key)}@{bounce_domain}"


def return_path_token(address: str) -> str | None:
    """The token of a VERP address ``bounces+{token}@…`` (unverified), or None for others."""
    local = (address or "").strip().strip("<>").rpartition("@")[0]
    prefix, plus, token = local.partition("+")
    if prefix.lower() != "bounces" or not plus:
        return None
    return token


def parse_return_path(signer: TokenSigner, address: str) -> MessageKey:
    """The key from a bounce recipient ``bounces+{token}@…``; raises :class:`TokenInvalid`."""
    token = return_path_token(address)
    if token is None:
        raise TokenInvalid("not a VERP address")
    return parse_verp_token(signer, token)
