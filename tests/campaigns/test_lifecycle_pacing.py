from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from herald.campaigns.dispatch.pacing import grant
from herald.campaigns.lifecycle import Action, CampaignStatus, allowed_actions, transition
from herald.kit.errors import Conflict


def test_happy_path() -> None:
    s = transition("draft", Action.SCHEDULE)
    s = transition(s, Action.START)
    s = transition(s, Action.PAUSE)
    s = transition(s, Action.RESUME)
    assert s == CampaignStatus.SCHEDULED
    s = transition(transition(s, Action.START), Action.FINISH)
    assert s == CampaignStatus.SENT


@pytest.mark.parametrize("terminal", ["sent", "cancelled"])
def test_terminal_states_never_move(terminal: str) -> None:
    assert allowed_actions(terminal) == []
    for action in Action:
        with pytest.raises(Conflict):
            transition(terminal, action)


def test_invalid_moves() -> None:
    with pytest.raises(Conflict):
        transition("draft", Action.PAUSE)
    with pytest.raises(Conflict):
        transition("paused", Action.FINISH)
    with pytest.raises(Conflict):
        transition("bogus", Action.CANCEL)


START = datetime(2026, 1, 1, tzinfo=UTC)


class Bucket:
    """Drives :func:`grant` the way the dispatcher does, with a simulated clock (seconds)."""

    def __init__(self, per_hour: int) -> None:
        self.per_hour = per_hour
        self.cursor: datetime | None = None
        self.wait = 0.0

    def take(self, t: float, n: int = 1) -> int:
        granted, self.cursor, self.wait = grant(
            self.cursor, START + timedelta(seconds=t), self.per_hour, n
        )
        return granted


def test_bucket_rate_is_smooth_and_accurate() -> None:
    bucket = Bucket(36_000)  # 10 per second
    per_second: dict[int, int] = {}
    t = 0.0
    while t < 300.0:
        got = bucket.take(t, 50)
        per_second[int(t)] = per_second.get(int(t), 0) + got
        t += 0.01
    total = sum(per_second.values())
    # a fresh bucket holds one unit, not a second's worth: the first send plus 10/s after it
    assert 0.99 * 3000 <= total <= 3000 + 1
    assert max(per_second.values()) <= 11


def test_bucket_wait_time() -> None:
    bucket = Bucket(3600)  # 1 per second
    assert bucket.take(0.0) == 1
    assert bucket.wait == pytest.approx(1.0)
    assert bucket.take(0.5) == 0
    assert bucket.take(1.0) == 1
