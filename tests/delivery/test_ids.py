"""The shared id scheme: keys, Message-IDs, ACS operation ids and VERP addresses round-trip."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from herald.delivery import ids
from herald.kit import clock
from herald.kit.errors import TokenInvalid
from herald.kit.tokens import TokenSigner

SECRET = b"id-secret"
SIGNER = TokenSigner([b"verp-key-0123456789"])
part = st.integers(min_value=0, max_value=(1 << 60) - 1)
keys = st.one_of(
    st.builds(ids.marketing_key, part, part),
    st.builds(ids.transactional_key, part),
    st.builds(ids.confirmation_key, part, part),
)


@given(keys)
def test_every_handle_round_trips(key: ids.MessageKey) -> None:
    assert ids.parse_key(str(key)) == key
    mid = ids.message_id(key, "news.example.com", SECRET)
    assert ids.parse_message_id(mid, [b"old", SECRET]) == key
    address = ids.return_path(SIGNER, key, "bounces.example.com")
    assert ids.parse_return_path(SIGNER, address) == key
    assert ids.operation_id(key) == uuid.uuid5(uuid.NAMESPACE_URL, f"herald:{key}")


def test_documented_formats() -> None:
    key = ids.marketing_key(1001, 42)
    assert str(key) == "m:1001:42" and key.campaign_id == 1001 and key.subscriber_id == 42
    assert str(ids.transactional_key(7)) == "t:7" and ids.transactional_key(7).notification_id == 7
    assert str(ids.confirmation_key(5, 99)) == "c:5:99"
    assert ids.confirmation_key(5, 99).subscriber_id == 5
    mid = ids.message_id(key, "news.example.com", SECRET)
    assert mid.startswith("<m.1001.42.") and mid.endswith("@news.example.com>")
    assert len(mid.split("@")[0].rsplit(".", 1)[1]) == 8


@pytest.mark.parametrize(
    "text", ["", "x:1", "m:1", "m:1:2:3", "t:-1", "t:1a", "c:1", "m:1:²", "t:" + "9" * 30]
)
def test_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        ids.parse_key(text)


def test_forged_and_foreign_message_ids_map_to_nothing() -> None:
    mid = ids.message_id(ids.marketing_key(1, 2), "news.example.com", SECRET)
    assert ids.parse_message_id(mid, [b"another-secret"]) is None
    assert ids.parse_message_id(mid.replace("m.1.2", "m.1.3"), [SECRET]) is None
    assert ids.parse_message_id(mid.replace("news.", "evil."), [SECRET]) is None
    assert ids.parse_message_id("<CAF=abc@mail.gmail.com>", [SECRET]) is None


def test_verp_tokens_are_signed_and_expire() -> None:
    address = ids.return_path(SIGNER, ids.transactional_key(3), "b.example.com")
    local, domain = address.split("@")
    assert local.startswith("bounces+") and domain == "b.example.com"
    with pytest.raises(TokenInvalid):
        ids.parse_return_path(TokenSigner([b"other-key-0123456789"]), address)
    with pytest.raises(TokenInvalid):
        ids.parse_return_path(SIGNER, "someone@b.example.com")
    later = clock.FrozenClock(clock.now() + timedelta(days=31))
    previous = clock.use_clock(later)
    try:
        with pytest.raises(TokenInvalid):
            ids.parse_return_path(SIGNER, address)
    finally:
        clock.use_clock(previous)
