"""Purpose-bound HMAC tokens: forged, expired, wrong-purpose, malformed, rotated keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from herald.kit.errors import TokenInvalid
from herald.kit.tokens import LIFETIMES, Purpose, TokenSigner

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
signer = TokenSigner([b"key-one"])


def test_round_trip_and_lifetimes() -> None:
    assert LIFETIMES[Purpose.CONFIRM] == timedelta(days=14)
    assert LIFETIMES[Purpose.PREFS] == timedelta(days=30)
    assert LIFETIMES[Purpose.UNSUB] == timedelta(days=90)
    token = signer.issue(Purpose.UNSUB, 42, 7, now=NOW)
    claims = signer.verify(token, Purpose.UNSUB, now=NOW + timedelta(days=89))
    assert (claims.subject, claims.obj) == (42, 7)
    with pytest.raises(TokenInvalid, match="expired"):
        signer.verify(token, Purpose.UNSUB, now=NOW + timedelta(days=90))


@pytest.mark.parametrize(
    ("purpose", "days"), [(Purpose.CONFIRM, 14), (Purpose.PREFS, 30), (Purpose.UNSUB, 90)]
)
def test_expiry_per_purpose(purpose: Purpose, days: int) -> None:
    token = signer.issue(purpose, 1, now=NOW)
    signer.verify(token, purpose, now=NOW + timedelta(days=days) - timedelta(seconds=1))
    with pytest.raises(TokenInvalid):
        signer.verify(token, purpose, now=NOW + timedelta(days=days))


def test_token_for_one_purpose_is_useless_for_another() -> None:
    token = signer.issue(Purpose.CONFIRM, 1, now=NOW)
    for other in (Purpose.PREFS, Purpose.UNSUB, Purpose.CLICK):
        with pytest.raises(TokenInvalid):
            signer.verify(token, other, now=NOW)


def test_forged_signature_and_tampered_payload() -> None:
    token = signer.issue(Purpose.PREFS, 5, now=NOW)
    payload, mac = token.split(".")
    other = TokenSigner([b"attacker-key"]).issue(Purpose.PREFS, 5, now=NOW)
    with pytest.raises(TokenInvalid):
        signer.verify(other, Purpose.PREFS, now=NOW)
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(TokenInvalid):
        signer.verify(f"{flipped}.{mac}", Purpose.PREFS, now=NOW)
    # Another subscriber's id grafted onto a valid MAC.
    victim = signer.issue(Purpose.PREFS, 6, now=NOW).split(".")[0]
    with pytest.raises(TokenInvalid):
        signer.verify(f"{victim}.{mac}", Purpose.PREFS, now=NOW)


@pytest.mark.parametrize(
    "bad", ["", ".", "abc", "a.b.c", "x" * 300, "%%%.%%%", "AAAA.AAAA", "🙂.🙂", "\x00.\x00"]
)
def test_malformed_tokens_raise_only_token_invalid(bad: str) -> None:
    with pytest.raises(TokenInvalid):
        signer.verify(bad, Purpose.UNSUB, now=NOW)


@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with pytest.raises(TokenInvalid):
        signer.verify(text, Purpose.UNSUB, now=NOW)


def test_key_rotation_old_tokens_verify_until_they_expire() -> None:
    old = TokenSigner([b"old-key"])
    token = old.issue(Purpose.UNSUB, 9, now=NOW)
    rotated = TokenSigner([b"new-key", b"old-key"])
    assert rotated.verify(token, Purpose.UNSUB, now=NOW).subject == 9
    fresh = rotated.issue(Purpose.UNSUB, 9, now=NOW)
    # New tokens are signed with the new key: the old-only signer rejects them.
    with pytest.raises(TokenInvalid):
        old.verify(fresh, Purpose.UNSUB, now=NOW)
    # Once the old key is retired, its tokens stop working.
    with pytest.raises(TokenInvalid):
        TokenSigner([b"new-key"]).verify(token, Purpose.UNSUB, now=NOW)
