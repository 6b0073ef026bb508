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


def keyed_hasher(key: bytes, label: str) -> Callable[[str], str]:
    """``keyed_hash`` with the key and label bound, for hashing many values (one-shot HMAC)."""
    prefix = label.encode() + b"\x00"

    def digest(value: str) -> str:
        return hmac.digest(key, prefix + value.encode(), "sha256").hex()

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
