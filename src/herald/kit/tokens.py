"""Purpose-bound, expiring HMAC-SHA256 tokens.

A token is ``<payload>.<mac>`` in URL-safe base64. The payload packs a version byte, the purpose,
the key id, the expiry (unix seconds) and a subject (subscriber id) plus an optional object id
(list id). The MAC covers the payload *and* the purpose name, so a token minted for one purpose
never verifies for another. Several keys may be configured: the first signs, all verify, so a
rotated-out key keeps its tokens valid until they expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from herald.kit import clock
from herald.kit.errors import TokenInvalid


class Purpose(StrEnum):
    CONFIRM = "confirm"
    PREFS = "prefs"
    UNSUB = "unsub"
    OPEN = "open"
    CLICK = "click"
    BOUNCE = "bounce"


LIFETIMES: dict[Purpose, timedelta] = {
    Purpose.CONFIRM: timedelta(days=14),
    Purpose.PREFS: timedelta(days=30),
    Purpose.UNSUB: timedelta(days=90),
    Purpose.OPEN: timedelta(days=90),
    Purpose.CLICK: timedelta(days=90),
    Purpose.BOUNCE: timedelta(days=30),
}

_PURPOSE_CODES = {p: i for i, p in enumerate(Purpose, start=1)}
_CODE_PURPOSES = {i: p for p, i in _PURPOSE_CODES.items()}
_VERSION = 1
# version, purpose, key id, expiry, subject, object
_LAYOUT = struct.Struct(">BBHIQQ")
_MAC_BYTES = 20  # 160-bit truncated HMAC-SHA256: ample against forgery, keeps URLs short
MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True, slots=True)
class TokenClaims:
    purpose: Purpose
    subject: int
    obj: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def key_id(key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(b"herald-kid:" + key).digest()[:2], "big")


class TokenSigner:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self._keys = keys
        self._by_id = {key_id(k): k for k in reversed(keys)}
        self._signing_id = key_id(keys[0])

    def _mac(self, key: bytes, purpose: Purpose, payload: bytes) -> bytes:
        material = purpose.value.encode() + b"\x00" + payload
        # hmac.digest is the one-shot C implementation (several tokens go into every message).
        return hmac.digest(key, material, "sha256")[:_MAC_BYTES]

    def issue(
        self,
        purpose: Purpose,
        subject: int,
        obj: int = 0,
        *,
        lifetime: timedelta | None = None,
        now: datetime | None = None,
    ) -> str:
        issued = now or clock.now()
        expires = issued + (lifetime or LIFETIMES[purpose])
        key = self._keys[0]
        payload = _LAYOUT.pack(
            _VERSION,
            _PURPOSE_CODES[purpose],
            self._signing_id,
            int(expires.timestamp()),
            subject,
            obj,
        )
        return f"{_b64(payload)}.{_b64(self._mac(key, purpose, payload))}"

    def verify(self, token: str, purpose: Purpose, *, now: datetime | None = None) -> TokenClaims:
        """Return the claims or raise :class:`TokenInvalid` (never anything else)."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise TokenInvalid("malformed token")
        payload_text, mac_text = token.split(".")
        try:
            payload = _unb64(payload_text)
            mac = _unb64(mac_text)
        except (ValueError, TypeError) as exc:
            raise TokenInvalid("malformed token") from exc
        if len(payload) != _LAYOUT.size or len(mac) != _MAC_BYTES:
            raise TokenInvalid("malformed token")
        version, code, kid, expiry, subject, obj = _LAYOUT.unpack(payload)
        key = self._by_id.get(kid)
        # Compute a MAC even for an unknown key id so timing does not reveal which ids exist.
        expected = self._mac(key or self._keys[0], purpose, payload)
        if not hmac.compare_digest(expected, mac) or key is None:
            raise TokenInvalid("bad signature")
        if version != _VERSION or _CODE_PURPOSES.get(code) is not purpose:
            raise TokenInvalid("wrong purpose")
        current = now or clock.now()
        if current.timestamp() >= expiry:
            raise TokenInvalid("expired")
        expires_at = datetime.fromtimestamp(expiry, tz=current.tzinfo)
        return TokenClaims(purpose=purpose, subject=subject, obj=obj, expires_at=expires_at)
