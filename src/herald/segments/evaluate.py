"""Evaluate a rule tree against one subscriber in plain Python — the reference semantics.

The SQL compiler must agree with this module on every input (tests/test_segments_differential
holds them to it on SQLite and PostgreSQL). See ``herald.segments.rules`` for the semantics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from herald.kit import clock
from herald.segments.rules import All, AnyOf, Condition, Node, Not


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # open | click
    occurred_at: datetime
    campaign_id: int | None = None
    machine: bool = False


@dataclass(slots=True)
class Facts:
    """What the rules can see of one subscriber."""

    columns: dict[str, Any]  # email_domain, name, language, country, … created_at, confirmed_at
    attributes: dict[str, Any] = field(default_factory=dict)
    subscriptions: Sequence[tuple[str, str]] = ()  # (list slug, status) within the scope
    events: Sequence[Event] = ()
    tenant_slug: str | None = None


def evaluate(node: Node, facts: Facts, *, now: datetime | None = None) -> bool:
    return _eval(node, facts, now or clock.now())


def _eval(node: Node, facts: Facts, now: datetime) -> bool:
    if isinstance(node, All):
        return all(_eval(c, facts, now) for c in node.children)
    if isinstance(node, AnyOf):
        return any(_eval(c, facts, now) for c in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, facts, now)
    return _condition(node, facts, now)


def _condition(c: Condition, facts: Facts, now: datetime) -> bool:
    if c.kind == "status":
        return any(status in c.value for _, status in facts.subscriptions)
    if c.kind == "list":
        return any(s == "active" and slug in c.value for slug, s in facts.subscriptions)
    if c.kind == "tenant":
        return facts.tenant_slug is not None and facts.tenant_slug in c.value
    if c.kind == "event":
        kind = "open" if c.field == "opened" else "click"
        return any(
            e.kind == kind and not e.machine and (c.value is True or e.campaign_id == c.value)
            for e in facts.events
        )
    if c.kind == "days":
        kind = "open" if c.field == "last_open_days" else "click"
        human = [e.occurred_at for e in facts.events if e.kind == kind and not e.machine]
        cutoff = now - timedelta(days=c.value)
        recent = any(at >= cutoff for at in human)
        return (bool(human) and not recent) if c.op == "gt" else recent
    if c.attribute is not None:
        return _attribute(c, facts.attributes, now)
    value = facts.columns.get(c.field)
    if c.op == "exists":
        return bool((value is not None) == c.value)
    if value is None:
        return False
    if c.kind == "date":
        assert isinstance(value, datetime)
        if c.op == "within_last_days":
            return bool(value >= now - timedelta(days=c.value))
        return _ordered(value, c.op, c.value)
    return _string(str(value), c)


def _string(value: str, c: Condition) -> bool:
    if c.op == "regex":
        return re.search(c.value, value, re.IGNORECASE) is not None
    values = (c.value,) if c.op in ("eq", "neq") else c.value
    matched = value.lower() in {v.lower() for v in values}
    return matched if c.op in ("eq", "in") else not matched


def _ordered(left: Any, op: str, right: Any) -> bool:
    if op in ("gt", "after"):
        return bool(left > right)
    if op == "gte":
        return bool(left >= right)
    if op in ("lt", "before"):
        return bool(left < right)
    if op == "lte":
        return bool(left <= right)
    if op == "eq":
        return bool(left == right)
    if op == "neq":
        return bool(left != right)
    raise AssertionError(op)  # pragma: no cover


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _attribute(c: Condition, attributes: dict[str, Any], now: datetime) -> bool:
    assert c.attribute is not None
    declared = c.field.rsplit(":", 1)[1]
    raw = attributes.get(c.attribute) if isinstance(attributes, dict) else None
    if declared == "bool":
        present = isinstance(raw, bool)
        if c.op == "exists":
            return bool(present == c.value)
        return present and bool((raw is c.value) == (c.op == "eq"))
    if declared == "number":
        present = (
            isinstance(raw, int | float)
            and not isinstance(raw, bool)
            and not (isinstance(raw, float) and not math.isfinite(raw))
        )
        if c.op == "exists":
            return bool(present == c.value)
        if not present:
            return False
        assert isinstance(raw, int | float)
        number = float(raw)  # both databases compare as double precision
        if c.op in ("in", "nin"):
            matched = number in {float(v) for v in c.value}
            return matched if c.op == "in" else not matched
        return _ordered(number, c.op, float(c.value))
    if declared == "date":
        present = isinstance(raw, str) and _ISO_DAY.fullmatch(raw[:10]) is not None
        if c.op == "exists":
            return bool(present == c.value)
        if not present:
            return False
        assert isinstance(raw, str)
        day = raw[:10]
        if c.op == "within_last_days":
            return day >= (now - timedelta(days=c.value)).astimezone(UTC).date().isoformat()
        return _ordered(day, c.op, c.value.date().isoformat())
    present = isinstance(raw, str)
    if c.op == "exists":
        return bool(present == c.value)
    if not present:
        return False
    assert isinstance(raw, str)
    return _string(raw, c)
