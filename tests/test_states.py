"""The subscription state machine allows only the documented transitions."""

from __future__ import annotations

import pytest

from herald.audience.states import ALLOWED, Status, can_transition


def test_documented_paths() -> None:
    assert can_transition("pending", "active")
    for negative in ("unsubscribed", "bounced", "complained", "suppressed"):
        assert can_transition("active", negative)
        assert can_transition("pending", negative)
    # Leaving a negative state needs fresh consent (pending) or an attested import (active);
    # a complainer can only come back through double opt-in.
    assert can_transition("unsubscribed", "pending")
    assert not can_transition("complained", "active")
    assert not can_transition("active", "pending")


@pytest.mark.parametrize("status", list(Status))
def test_no_self_loops_in_the_table(status: Status) -> None:
    assert status not in ALLOWED[status]
