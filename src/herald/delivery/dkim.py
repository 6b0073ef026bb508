"""DKIM signing (RFC 6376, relaxed/relaxed) with RSA-SHA256 and Ed25519-SHA256 (RFC 8463).

Hand-written over the bytes our MIME writer produces, with ``cryptography`` (OpenSSL) doing the
RSA/Ed25519 operation: dkimpy's signer parses the message again and does RSA in pure Python
(a few dozen signatures per second per core), far below what one SMTP worker must sign. dkimpy
is still the reference: the tests verify every signature we make with ``dkim.verify``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

# What h= covers when present. Listed names that are absent are skipped; the unsubscribe pair and
# From/Subject are listed once more than they occur ("over-signing") so nobody can add a second
# List-Unsubscribe below ours without breaking the signature.
SIGNED_HEADERS = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "feedback-id",
    "mime-version",
    "content-type",
)
OVERSIGNED = ("from", "subject", "list-unsubscribe", "list-unsubscribe-post")
_SIGNED = tuple((name, name.encode()) for name in SIGNED_HEADERS)
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

# Only what relaxed canonicalisation changes: runs of 2+ WSP, and any tab.
_WSP_RUN = re.compile(rb"[ \t]{2,}|\t")
_SPACE_RUN = re.compile(rb"  +")
_FOLD = re.compile(rb"\r\n(?=[ \t])")
_SELECTOR = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


class Algorithm(StrEnum):
    RSA = "rsa"
    ED25519 = "ed25519"

    @property
    def tag(self) -> str:
        return "rsa-sha256" if self is Algorithm.RSA else "ed25519-sha256"


def valid_domain(domain: str) -> bool:
    return bool(_DOMAIN.match(domain))


def valid_selector(selector: str) -> bool:
    return bool(_SELECTOR.match(selector))


def canonical_lines(data: bytes) -> bytes:
    """Relaxed canonicalisation of CRLF lines, without the end-of-body rule."""
    if b"\t" in data:
        data = data.replace(b"\t", b" ")
    if b"  " in data:
        data = _SPACE_RUN.sub(b" ", data)
    if b" \r\n" in data:
        data = data.replace(b" \r\n", b"\r\n")
    return data


def canonical_body(body: bytes) -> bytes:
    """Relaxed body canonicalisation (RFC 6376 §3.4.4) of a CRLF body.

    Tabs become spaces, runs of spaces one space (a literal-prefix pattern, so the regex engine
    skips ahead with a fast search), then the single space left before a line end goes; empty
    lines at the end are dropped.
    """
    body = canonical_lines(body)
    if body.endswith(b" "):
        body = body[:-1]
    body = body.rstrip(b"\r\n")
    return body + b"\r\n" if body else b""


def canonical_header(name: bytes, value: bytes) -> bytes:
    """Relaxed header canonicalisation (§3.4.2): lower-case name, unfolded, WSP collapsed.

    The regular expressions only run when the value has a fold, a tab or a run of spaces.
    """
    if b"\r\n" in value:
        value = _FOLD.sub(b"", value)
    if b"\t" in value or b"  " in value:
        value = _WSP_RUN.sub(b" ", value)
    return name.strip().lower() + b":" + value.strip(b" \t\r\n")


def split_headers(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, raw value) pairs of a CRLF header block, folded continuation lines joined."""
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
            continue
        name, _, value = line.partition(b":")
        fields.append((name, value))
    return fields


@dataclass(frozen=True, slots=True)
class KeyPair:
    algorithm: Algorithm
    private_pem: bytes
    public_txt: str  # the DNS TXT value: "v=DKIM1; k=…; p=…"


def generate_key(algorithm: Algorithm) -> KeyPair:
    if algorithm is Algorithm.RSA:
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        spki = rsa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return KeyPair(algorithm, pem, f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}")
    ed_key = ed25519.Ed25519PrivateKey.generate()
    pem = ed_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw = ed_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return KeyPair(algorithm, pem, f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}")


class DkimSigner:
    """Signs messages for one (domain, selector) key. Thread-safe; reuse it for every message."""

    def __init__(self, domain: str, selector: str, algorithm: Algorithm, private_pem: bytes):
        if not valid_domain(domain) or not valid_selector(selector):
            raise ValueError("invalid DKIM domain or selector")
        self.domain = domain.lower()
        self.selector = selector
        self.algorithm = algorithm
        key = serialization.load_pem_private_key(private_pem, password=None)
        # Checked once here: isinstance against these ABCs costs a microsecond per message.
        self._rsa: rsa.RSAPrivateKey | None = None
        self._ed: ed25519.Ed25519PrivateKey | None = None
        if algorithm is Algorithm.RSA:
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("not an RSA private key")
            self._rsa = key
        else:
            if not isinstance(key, ed25519.Ed25519PrivateKey):
                raise ValueError("not an Ed25519 private key")
            self._ed = key
        self._tags = f"v=1; a={algorithm.tag}; c=relaxed/relaxed; d={self.domain}; s={selector}; "

    def sign_bytes(self, data: bytes) -> bytes:
        if self._rsa is not None:
            return self._rsa.sign(data, _PKCS1, _SHA256)
        assert self._ed is not None
        # RFC 8463 §3: Ed25519 (PureEdDSA) over the SHA-256 digest of the canonicalised data.
        return self._ed.sign(hashlib.sha256(data).digest())

    def signature_header(
        self,
        head: bytes,
        body: bytes,
        *,
        timestamp: int | None = None,
        canonical: bytes | None = None,
    ) -> bytes:
        """The ``DKIM-Signature: …\\r\\n`` line to put in front of ``head``.

        ``canonical`` is the body's relaxed canonical form when the writer already knows it
        (see :func:`herald.delivery.mime.render_message`); otherwise it is computed here.
        """
        canon_body = canonical if canonical is not None else canonical_body(body)
        return self.header_for(head, (canon_body,), timestamp=timestamp)

    def header_for(
        self, head: bytes, canonical: Iterable[bytes], *, timestamp: int | None = None
    ) -> bytes:
        """The ``DKIM-Signature`` line for a header block and its body's canonical form given
        as pieces (hashed one after the other: the body is never joined for hashing)."""
        by_name: dict[bytes, list[bytes]] = {}
        for name, value in split_headers(head):
            by_name.setdefault(name.strip().lower(), []).append(value)
        signed: list[str] = []
        canon: list[bytes] = []
        for wanted, key in _SIGNED:
            values = by_name.get(key)
            if not values:
                continue
            # Several instances are signed bottom-up (§5.4.2).
            for value in reversed(values):
                signed.append(wanted)
                canon.append(canonical_header(key, value) + b"\r\n")
            if wanted in OVERSIGNED:
                signed.append(wanted)
        digest = hashlib.sha256()
        for piece in canonical:
            digest.update(piece)
        body_hash = base64.b64encode(digest.digest()).decode()
        tags = (
            f"{self._tags}t={timestamp if timestamp is not None else int(time.time())}; "
            f"h={':'.join(signed)}; bh={body_hash}; b="
        )
        canon.append(canonical_header(b"dkim-signature", tags.encode()))
        signature = base64.b64encode(self.sign_bytes(b"".join(canon))).decode()
        # Fold the base64 so the line stays short; relaxed canonicalisation removes the folds.
        folded = "\r\n\t".join(signature[i : i + 72] for i in range(0, len(signature), 72))
        shown = tags.replace("; h=", ";\r\n\th=").replace("; bh=", ";\r\n\tbh=")
        return ("DKIM-Signature: " + shown + "\r\n\t" + folded + "\r\n").encode()

    def sign(self, head: bytes, body: bytes, *, canonical: bytes | None = None) -> bytes:
        """The signed message: DKIM-Signature + head + blank line + body."""
        return self.signature_header(head, body, canonical=canonical) + head + b"\r\n" + body
