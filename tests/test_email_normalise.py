"""The fast path of address normalisation agrees with the full validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from herald.kit.errors import ValidationFailed
from herald.kit.text import normalise_email


def reference(raw: str) -> str | None:
    try:
        text = raw.strip()
        if not text or len(text) > 254 or any(c in text for c in "\r\n\x00"):
            return None
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
        return result.normalized.lower()
    except EmailNotValidError:
        return None


def ours(raw: str) -> str | None:
    try:
        return normalise_email(raw)
    except ValidationFailed:
        return None


@pytest.mark.parametrize(
    "raw",
    [
        "Ada@Example.com",
        " ada@example.com ",
        "a.b+tag@sub.example.co.uk",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@example",
        "a@localhost",
        "a@x.local",
        "a@x.test",
        "a@sub.x.localhost",
        "a@x.onion",
        "a@in-addr.arpa",
        "a@x.invalid",
        "a@test.example",
        "a@local.example.com",
        "a\r@example.com",
        "a@exa\nmple.com",
        "a\x00@example.com",
        "a@-x.com",
        "a@x-.com",
        "a@123.456",
        '"quoted"@example.com',
        "ü@example.com",
        "a@bücher.example",
        "x" * 65 + "@example.com",
        "a@" + "b" * 64 + ".com",
        "a@b.c0m",
        "a@b.co-",
        "a@xn--bcher-kva.example",
        "a@b..com",
        "a@[127.0.0.1]",
    ],
)
def test_agrees_with_full_validator(raw: str) -> None:
    assert ours(raw) == reference(raw)


@given(
    st.from_regex(r"[A-Za-z0-9.+_-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z0-9-]{1,8}", fullmatch=True)
)
def test_agrees_on_generated_addresses(raw: str) -> None:
    assert ours(raw) == reference(raw)
