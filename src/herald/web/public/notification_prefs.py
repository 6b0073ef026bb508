"""The notifications part of the preference centre: optional categories a subscriber may stop.

Mandatory categories are not choices: the JSON leaves them out and the page names them as
always sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit.i18n import normalise_language
from herald.models.audience import Subscriber
from herald.runtime import Runtime
from herald.transactional import optouts


async def items(
    session: AsyncSession, rt: Runtime, subscriber: Subscriber, lang: str | None = None
) -> list[dict[str, Any]]:
    """``[{category, name, subscribed}]`` for the optional categories."""
    choices = await optouts.choices(
        session,
        rt.notifier().catalogue,
        subscriber,
        normalise_language(lang or subscriber.language),
    )
    return [{"category": c.category, "name": c.name, "subscribed": c.subscribed} for c in choices]


def mandatory_names(rt: Runtime, lang: str) -> str:
    categories = rt.notifier().catalogue.categories.values()
    return ", ".join(c.name(lang) for c in categories if c.mandatory)


async def apply(
    session: AsyncSession, rt: Runtime, subscriber: Subscriber, wanted: Mapping[str, bool]
) -> None:
    """Record ``{category: receive?}`` (422 for unknown or mandatory-off categories)."""
    await optouts.update_choices(session, rt.notifier().catalogue, subscriber, wanted)


def from_form(rt: Runtime, data: Mapping[str, Any]) -> dict[str, bool] | None:
    """The form's checkboxes as ``{category: receive?}`` (None when the form has no such part)."""
    if not data.get("notifications_present"):
        return None
    chosen = data.get("notification", [])
    ticked = set(chosen if isinstance(chosen, list) else [chosen])
    return {c.key: c.key in ticked for c in rt.notifier().catalogue.optional_categories()}
