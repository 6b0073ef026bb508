"""Campaign lifecycle: every allowed status transition lives here and nowhere else.

``draft → scheduled → sending → sent``, with ``paused`` (from scheduled/sending, back via
resume) and ``cancelled`` (from any non-terminal state). Terminal states never move.
"""

from __future__ import annotations

from enum import StrEnum

from herald.kit.errors import Conflict


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class Action(StrEnum):
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"
    CANCEL = "cancel"


S = CampaignStatus
TERMINAL: frozenset[CampaignStatus] = frozenset({S.SENT, S.CANCELLED})

# (action, from-state) -> to-state
_TRANSITIONS: dict[tuple[Action, CampaignStatus], CampaignStatus] = {
    (Action.SCHEDULE, S.DRAFT): S.SCHEDULED,
    (Action.UNSCHEDULE, S.SCHEDULED): S.DRAFT,
    (Action.START, S.SCHEDULED): S.SENDING,
    (Action.PAUSE, S.SCHEDULED): S.PAUSED,
    (Action.PAUSE, S.SENDING): S.PAUSED,
    # Resume goes back to "scheduled"; the dispatcher moves it to "sending" again and the
    # existing ledger (never re-materialised) makes that idempotent.
    (Action.RESUME, S.PAUSED): S.SCHEDULED,
    (Action.FINISH, S.SENDING): S.SENT,
    **{(Action.CANCEL, s): S.CANCELLED for s in (S.DRAFT, S.SCHEDULED, S.SENDING, S.PAUSED)},
}


def transition(current: str, action: Action) -> CampaignStatus:
    """Return the state ``action`` leads to from ``current`` or raise ``Conflict``."""
    try:
        state = CampaignStatus(current)
    except ValueError as exc:
        raise Conflict(f"unknown campaign status {current!r}") from exc
    target = _TRANSITIONS.get((action, state))
    if target is None:
        raise Conflict(
            f"cannot {action.value} a campaign that is {state.value}",
            status=state.value,
            action=action.value,
        )
    return target


def allowed_actions(current: str) -> list[Action]:
    state = CampaignStatus(current)
    return [a for (a, s) in _TRANSITIONS if s == state]
