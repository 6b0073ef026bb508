"""Keyed hashing and symmetric encryption helpers.

Raw IPs, user agents and (after erasure) addresses are never stored: only keyed HMACs of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def keyed_hash(key: bytes, label: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key`` with a domain-separation ``label``, hex encoded."""
    return hmac.new(key, label.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


_BLOCK = 64  # SHA-256 block size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def keyed_hasher(key: bytes, label: str) -> Callable[[str], str]:
    """``keyed_hash`` with the key and label bound, for hashing many values.

    HMAC (RFC 2104) computed from the two hash states the key determines, prepared once (the
    inner one has also absorbed the label): each value then costs two copies of a SHA-256
    state and no key set-up, under half the time of a one-shot ``hmac.digest``.
    """
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    inner = hashlib.sha256(key.translate(_IPAD) + label.encode() + b"\x00")
    outer = hashlib.sha256(key.translate(_OPAD))

    def digest(value: str) -> str:
        state = inner.copy()
        state.update(value.encode())
        result = outer.copy()
        result.update(state.digest())
        return result.hexdigest()

    return digest


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _fernet_key(secret: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"herald-fernet:" + secret).digest())


class SecretBox:
    """Encrypts secrets at rest (DKIM keys, provider credentials) under the instance key(s)."""

    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(_fernet_key(k)) for k in keys])

    def encrypt(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode()

    def decrypt(self, ciphertext: str) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext.encode())
        except InvalidToken as exc:
            raise ValueError("cannot decrypt secret with the configured keys") from exc
