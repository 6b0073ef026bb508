"""A lean RFC 5322 / RFC 2045 writer for the hot path.

Hand-written instead of ``email.message.EmailMessage``: the standard library's generator costs
several milliseconds per personalised message (policy objects, header registry, folding), which
caps a worker far below what an SMTP connection can carry. This writer emits exactly what
Herald sends: a few single-instance headers, RFC 2047 encoded words for non-ASCII, and a
quoted-printable text part with an optional base64 HTML alternative — CRLF line ends,
every line ≤ 998 octets (header lines ≤ 78 where we fold), CR/LF/NUL refused in every header.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import pybase64

from herald.delivery.dkim import canonical_body, canonical_lines
from herald.delivery.message import OutgoingMessage
from herald.kit import clock
from herald.kit.errors import ValidationFailed
from herald.kit.text import ensure_header_safe

_HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")
_ATOM_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$")
_NEWLINES = re.compile(r"\r\n|\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDRESS = re.compile(r"^[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+$")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Reserved: the writer sets these itself from the message's fields.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "reply-to",
        "return-path",
        "dkim-signature",
        "sender",
    }
)
_ENCODED_CHUNK = 45  # UTF-8 bytes per encoded word: 60 base64 chars + 12 = 72 ≤ 75


def format_date(moment: datetime) -> str:
    """RFC 5322 date in UTC (``Mon, 01 Jun 2026 12:00:00 +0000``), locale independent."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000"
    )


def encode_words(text: str) -> str:
    """RFC 2047 ``=?utf-8?b?…?=`` words (folded with CRLF SP), split on character boundaries."""
    words: list[str] = []
    chunk = bytearray()
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > _ENCODED_CHUNK:
            words.append(f"=?utf-8?b?{base64.b64encode(bytes(chunk)).decode()}?=")
            chunk.clear()
        chunk += encoded
    if chunk or not words:
        words.append(f"=?utf-8?b?{base64.b64encode(bytes(chunk)).decode()}?=")
    return "\r\n ".join(words)


def _needs_encoding(text: str, room: int) -> bool:
    return (
        not text.isascii()
        or "=?" in text
        or len(text) > room
        or _CONTROL.search(text) is not None
        or text != text.strip()
        or "  " in text
    )


def unstructured(text: str, name: str) -> str:
    """An unstructured header value (Subject): plain ASCII when safe, else encoded words."""
    ensure_header_safe(text, name)
    return encode_words(text) if _needs_encoding(text, 900) else text


def address(email: str, display_name: str | None, field: str) -> str:
    ensure_header_safe(email, field)
    if not _ADDRESS.match(email) or not email.isascii():
        raise ValidationFailed(f"{field} is not a plain address", field=field)
    if not display_name:
        return email
    ensure_header_safe(display_name, field)
    if _CONTROL.search(display_name):
        raise ValidationFailed(f"{field} must not contain control characters", field=field)
    display_name = " ".join(display_name.split())  # display names are whitespace-normalised
    if not display_name:
        return email
    if not _needs_encoding(display_name, 200) and _ATOM_NAME.match(display_name):
        return f"{display_name} <{email}>"
    if not _needs_encoding(display_name, 200):
        quoted = display_name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{email}>'
    return f"{encode_words(display_name)} <{email}>"


def quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends and soft breaks at 76 columns."""
    normalised = _NEWLINES.sub("\n", text).encode("utf-8")
    encoded = binascii.b2a_qp(normalised, quotetabs=False, istext=True, header=False)
    # b2a_qp leaves a leading "." alone; SMTP dot-stuffing is the client's job. A leading
    # "From " is harmless on the wire (no mbox here).
    return encoded.replace(b"\n", b"\r\n")


def crlf_bytes(text: str) -> bytes:
    """``text`` as UTF-8 with CRLF line ends (encoded first: bytes.replace is the cheap one)."""
    data = text.encode("utf-8")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.replace(b"\n", b"\r\n")


@functools.lru_cache(maxsize=128)
def _lines_of_76(count: int) -> struct.Struct:
    return struct.Struct("76s" * count)


def base64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines (RFC 2045 §6.8).

    The HTML part uses base64: cheap to encode (pybase64's SIMD encoder; quoted-printable costs
    a hundred times more for a 40 KB template) and immune to line-length and dot-stuffing
    concerns. One ``struct`` unpack cuts the encoded text into lines in C (a slicing loop
    costs three times as much).
    """
    encoded = pybase64.b64encode(data)
    full, rest = divmod(len(encoded), 76)
    lines = list(_lines_of_76(full).unpack_from(encoded)) if full else []
    if rest:
        lines.append(encoded[full * 76 :])
    return b"\r\n".join(lines)


def seven_bit(text: bytes) -> bool:
    """Whether a CRLF text can travel as ``7bit`` (RFC 2045 §2.7): ASCII, no NUL, lines of at
    most 998 octets. Then it needs no transfer encoding at all, and DKIM signs it safely (no
    relay ever has to re-encode 7-bit data)."""
    if not text.isascii() or b"\x00" in text:
        return False
    return len(text) <= 998 or max(map(len, text.split(b"\r\n"))) <= 998


def header_lines(message: OutgoingMessage, *, message_id: str, date: datetime) -> list[str]:
    """Every header of ``message`` in the order written (no Content-* headers).

    Each value is checked where it is written (CR/LF/NUL, also inside encoded words).
    """
    ensure_header_safe(message_id, "message_id")
    lines = [
        f"From: {address(message.sender, message.sender_name, 'sender')}",
        f"To: {address(message.recipient, message.recipient_name, 'recipient')}",
        f"Subject: {unstructured(message.subject, 'subject')}",
        f"Date: {format_date(date)}",
        f"Message-ID: {message_id}",
    ]
    if message.reply_to:
        lines.append(f"Reply-To: {address(message.reply_to, None, 'reply_to')}")
    for name, value in message.headers.items():
        if not _HEADER_NAME.match(name):
            raise ValidationFailed(f"bad header name {name!r}", field="headers")
        if name.lower() in RESERVED_HEADERS:
            raise ValidationFailed(f"header {name} is set by Herald", field="headers")
        ensure_header_safe(value, name)
        if not value.isascii():
            value = encode_words(value)
        elif len(name) + 2 + len(value) > 998:
            raise ValidationFailed(f"header {name} is too long", field="headers")
        lines.append(f"{name}: {value}")
    lines.append("MIME-Version: 1.0")
    return lines


@dataclass(frozen=True, slots=True)
class Rendered:
    """A written message: the header block, and the body both as sent and in DKIM relaxed
    canonical form, each as pieces (the large HTML part is never copied into a joined body;
    the SMTP client writes the pieces and the signer hashes them one after the other)."""

    head: bytes  # header block ending in CRLF, no DKIM-Signature
    body: tuple[bytes, ...]
    canonical: tuple[bytes, ...]

    def message(self) -> bytes:
        return self.head + b"\r\n" + b"".join(self.body)


def _text_part(message: OutgoingMessage, boundary: str) -> tuple[str, bytes]:
    """(part headers, encoded text): 7bit when the text allows it, else quoted-printable."""
    text = crlf_bytes(message.text or "")
    # The boundary must never occur in a part; quoted-printable cannot contain "=_".
    if seven_bit(text) and (not boundary or boundary.encode() not in text):
        return 'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit', text
    return (
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable',
        quoted_printable(message.text or ""),
    )


def body_part(message: OutgoingMessage) -> tuple[str, tuple[bytes, ...], tuple[bytes, ...]]:
    """(Content-Type/encoding header block, body pieces, DKIM relaxed canonical body pieces).

    Only the text can change under relaxed canonicalisation: boundaries, part headers and
    base64 lines are already canonical, so the (large) HTML part is never scanned.
    """
    if message.html is None:
        head, text = _text_part(message, "")
        return head, (text,), (canonical_body(text),)
    # "=_" never occurs in quoted-printable output ("=" is always "=3D"); a 7bit text part is
    # checked for the boundary, which is random.
    boundary = f"=_herald_{secrets.token_hex(12)}"
    text_head, text = _text_part(message, boundary)
    html = base64_lines(crlf_bytes(message.html))
    opening = f"--{boundary}\r\n{text_head}\r\n\r\n".encode()
    middle = (
        f"\r\n--{boundary}\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    # The text is followed by CRLF in the body, so canonicalise it with that line end.
    canonical_text = canonical_lines(text + b"\r\n")[:-2]
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        (opening, text, middle, html, closing),
        (opening, canonical_text, middle, html, closing),
    )


def render_message(
    message: OutgoingMessage, *, message_id: str, date: datetime | None = None
) -> Rendered:
    lines = header_lines(message, message_id=message_id, date=date or clock.now())
    content_head, body, canonical = body_part(message)
    head = ("\r\n".join(lines) + "\r\n" + content_head + "\r\n").encode("ascii")
    return Rendered(head, body, canonical)


def render_parts(
    message: OutgoingMessage, *, message_id: str, date: datetime | None = None
) -> tuple[bytes, bytes, bytes]:
    """(header block ending in CRLF, body, the body's DKIM relaxed canonical form)."""
    rendered = render_message(message, message_id=message_id, date=date)
    return rendered.head, b"".join(rendered.body), b"".join(rendered.canonical)


def render(
    message: OutgoingMessage, *, message_id: str, date: datetime | None = None
) -> tuple[bytes, bytes]:
    """(header block ending in CRLF, body) — split so the DKIM signer can prepend its header."""
    head, body, _ = render_parts(message, message_id=message_id, date=date)
    return head, body


def build_mime(message: OutgoingMessage, *, default_domain: str = "localhost") -> bytes:
    """The whole message (unsigned). Without a Message-ID a random one is made."""
    mid = message.message_id or f"<{secrets.token_hex(16)}@{default_domain}>"
    head, body = render(message, message_id=mid)
    return head + b"\r\n" + body


def message_id_domain(sender: str) -> str:
    return sender.rpartition("@")[2] or "localhost"
