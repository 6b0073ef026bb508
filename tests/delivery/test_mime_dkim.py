"""The lean MIME writer and the DKIM signer, checked against Python's email package and dkimpy."""

from __future__ import annotations

import base64
import email
import email.header
import email.policy
import re
from email.headerregistry import Address

import dkim
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herald.delivery.dkim import Algorithm, DkimSigner, canonical_body, generate_key
from herald.delivery.message import Category, OutgoingMessage
from herald.delivery.mime import base64_lines, build_mime, render, render_message, render_parts
from herald.kit.errors import ValidationFailed

HEADERS = {
    "List-Unsubscribe": "<https://herald.test/u/abc>, <mailto:unsub@news.example.com>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Feedback-ID": "1001:42:marketing:herald",
}
KEYS = {alg: generate_key(alg) for alg in Algorithm}


def sample(**overrides: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "category": Category.MARKETING,
        "sender": "news@news.example.com",
        "sender_name": "Ñews Désk",
        "recipient": "ada@mail.example.org",
        "recipient_name": "Ada Lovelace",
        "subject": "Grüße — the June issue 📬",
        "text": "Hello Ada,\n\nline with trailing space \n" + "x" * 200 + "\n.\nFrom here\n",
        "html": "<p>Hello <b>Ada</b> — ünïcode</p>\n" * 40,
        "headers": dict(HEADERS),
    }
    values.update(overrides)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def verify(raw: bytes, alg: Algorithm) -> bool:
    txt = KEYS[alg].public_txt.encode()

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"sel1._domainkey.news.example.com."
        return txt

    return bool(dkim.verify(raw, dnsfunc=dnsfunc))


@pytest.mark.parametrize("alg", list(Algorithm))
def test_signature_verifies_with_dkimpy_and_covers_unsubscribe_headers(alg: Algorithm) -> None:
    signer = DkimSigner("news.example.com", "sel1", alg, KEYS[alg].private_pem)
    message = sample(text="tabs\tand  double  spaces \n  indented\n")
    mid = "<m.1001.7.0a1b2c3d@news.example.com>"
    head, body, canonical = render_parts(message, message_id=mid)
    raw = signer.sign(head, body, canonical=canonical)
    assert verify(raw, alg)
    assert verify(signer.sign(head, body), alg)
    parsed = email.message_from_bytes(raw)
    tags = dict(
        part.strip().split("=", 1)
        for part in re.sub(r"\s+", "", parsed["DKIM-Signature"]).split(";")
        if part.strip()
    )
    signed = tags["h"].split(":")
    for name in ("from", "subject", "date", "message-id", "to", "feedback-id"):
        assert name in signed
    assert "list-unsubscribe" in signed and "list-unsubscribe-post" in signed
    assert tags["a"] == ("rsa-sha256" if alg is Algorithm.RSA else "ed25519-sha256")
    assert tags["c"] == "relaxed/relaxed"


@pytest.mark.parametrize("alg", list(Algorithm))
def test_tampering_breaks_the_signature(alg: Algorithm) -> None:
    signer = DkimSigner("news.example.com", "sel1", alg, KEYS[alg].private_pem)
    head, body = render(sample(), message_id="<m.1.2.0a1b2c3d@news.example.com>")
    raw = signer.sign(head, body)
    swapped = raw.replace(b"https://herald.test/u/abc", b"https://evil.example/u/abc")
    assert swapped != raw and not verify(swapped, alg)
    # A second List-Unsubscribe added above ours is caught by over-signing.
    added = raw.replace(
        b"List-Unsubscribe:", b"List-Unsubscribe: <https://evil.example/x>\r\nList-Unsubscribe:", 1
    )
    assert not verify(added, alg)
    assert not verify(raw.replace(b"Hello", b"Hullo", 1), alg)


def test_transactional_without_unsubscribe_headers_verifies() -> None:
    signer = DkimSigner("news.example.com", "sel1", Algorithm.RSA, KEYS[Algorithm.RSA].private_pem)
    message = sample(category=Category.TRANSACTIONAL, headers={}, html=None)
    head, body = render(message, message_id="<t.9.0a1b2c3d@news.example.com>")
    assert verify(signer.sign(head, body), Algorithm.RSA)


@pytest.mark.parametrize(
    "field",
    ["subject", "sender_name", "recipient_name"],
)
@pytest.mark.parametrize(
    "evil", ["x\r\nBcc: victim@example.com", "x\nBcc: v@e.com", "x\x00", "=?utf-8?q?=0ABcc:_x?="]
)
def test_header_injection_is_refused(field: str, evil: str) -> None:
    with pytest.raises(ValidationFailed):
        build_mime(sample(**{field: evil}))


def test_custom_headers_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        build_mime(sample(headers={"X-Tag": "a\r\nBcc: x@example.com"}))
    with pytest.raises(ValidationFailed):
        build_mime(sample(headers={"Bad Name": "x"}))
    with pytest.raises(ValidationFailed):
        build_mime(sample(headers={"Bcc": "x@example.com"}))


header_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=300,
)
# ≤ 11 characters fit one encoded word: CPython's address parser puts a space between adjacent
# encoded words in a display name, which RFC 2047 §6.2 says to ignore (long names are checked
# separately below).
name_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=11)
body_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=header_text, name=name_text, text=body_text, html=st.none() | body_text)
def test_writer_round_trips_through_the_email_package(
    subject: str, name: str, text: str, html: str | None
) -> None:
    message = sample(subject=subject, sender_name=name or None, text=text, html=html)
    raw = build_mime(message)
    # The writer's shortcut canonical form equals the signer's full canonicalisation.
    _, body, canonical = render_parts(message, message_id="<x@news.example.com>")
    assert canonical == canonical_body(body)
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.defects == []
    assert str(parsed["Subject"]) == subject
    assert parsed["To"].addresses[0] == Address("Ada Lovelace", addr_spec="ada@mail.example.org")
    sender = parsed["From"].addresses[0]
    assert sender.addr_spec == "news@news.example.com"
    assert sender.display_name == " ".join(name.split())
    # Exactly the headers we wrote: no injected Bcc/To/extra fields.
    assert sorted(k.lower() for k in parsed) == sorted(
        ["from", "to", "subject", "date", "message-id", "mime-version", "content-type"]
        + [k.lower() for k in HEADERS]
        + (["content-transfer-encoding"] if html is None else [])
    )
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    if html is None:
        assert lf(parsed.get_content()) == normalised
    else:
        plain, rich = parsed.iter_parts()
        assert lf(plain.get_content()) == normalised
        assert lf(rich.get_content()) == html.replace("\r\n", "\n").replace("\r", "\n")


def lf(text: str) -> str:
    """Bodies travel with CRLF line ends; compare them in the LF form they were given in."""
    return text.replace("\r\n", "\n")


def test_long_display_names_use_several_encoded_words() -> None:
    name = "Ñews " * 30
    raw = build_mime(sample(sender_name=name))
    head = raw.split(b"\r\n\r\n", 1)[0]
    from_lines = head.split(b"\r\nTo:")[0]
    assert from_lines.count(b"\r\n ") >= 2
    words = re.findall(rb"=\?utf-8\?b\?[^?]*\?=", from_lines)
    assert len(words) >= 3 and all(len(w) <= 75 for w in words)  # RFC 2047 §2
    decoded = "".join(
        part.decode(charset or "ascii") if isinstance(part, bytes) else part
        for part, charset in email.header.decode_header(from_lines.decode()[len("From: ") :])
    )
    assert decoded.startswith(" ".join(name.split())) and decoded.endswith(
        "<news@news.example.com>"
    )


@pytest.mark.parametrize("alg", list(Algorithm))
def test_signing_the_pieces_equals_signing_the_joined_message(alg: Algorithm) -> None:
    signer = DkimSigner("news.example.com", "sel1", alg, KEYS[alg].private_pem)
    rendered = render_message(sample(), message_id="<m.3.4.0a1b2c3d@news.example.com>")
    assert len(rendered.body) > 1  # multipart: the HTML part is a piece of its own
    from_pieces = signer.header_for(rendered.head, rendered.canonical, timestamp=1_700_000_000)
    joined = b"".join(rendered.body)
    assert from_pieces == signer.signature_header(rendered.head, joined, timestamp=1_700_000_000)
    assert verify(from_pieces + rendered.message(), alg)


def text_part_encoding(raw: bytes) -> str:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    plain = next(parsed.iter_parts()) if parsed.is_multipart() else parsed
    return str(plain["Content-Transfer-Encoding"])


def test_ascii_text_travels_as_7bit_and_anything_else_as_quoted_printable() -> None:
    ascii_text = "Hello Ada,\n\nsee https://herald.test/p?token=abc=\n.\n" + "y" * 900 + "\n"
    assert text_part_encoding(build_mime(sample(text=ascii_text))) == "7bit"
    assert text_part_encoding(build_mime(sample(text=ascii_text, html=None))) == "7bit"
    assert text_part_encoding(build_mime(sample(text="Grüße\n"))) == "quoted-printable"
    too_long = "z" * 999
    assert text_part_encoding(build_mime(sample(text=too_long))) == "quoted-printable"
    assert text_part_encoding(build_mime(sample(text="nul \x00 here"))) == "quoted-printable"
    for line in build_mime(sample(text=too_long)).split(b"\r\n"):
        assert len(line) <= 998


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2000))
def test_base64_lines_are_rfc_2045_lines(data: bytes) -> None:
    expected = base64.encodebytes(data).replace(b"\n", b"\r\n").removesuffix(b"\r\n")
    assert base64_lines(data) == expected
