"""The bulk keyed hasher agrees with the one-shot HMAC for every key length and value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from herald.kit.crypto import keyed_hash, keyed_hasher


@given(key=st.binary(max_size=200), label=st.text(max_size=20), value=st.text())
def test_keyed_hasher_matches_keyed_hash(key: bytes, label: str, value: str) -> None:
    assert keyed_hasher(key, label)(value) == keyed_hash(key, label, value)


def test_keyed_hasher_reuses_its_prepared_state() -> None:
    digest = keyed_hasher(b"k" * 64, "email")
    first = digest("a@example.com")
    assert digest("b@example.com") != first
    assert digest("a@example.com") == first == keyed_hash(b"k" * 64, "email", "a@example.com")
