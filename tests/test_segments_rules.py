"""The rule parser on its own: regex safe subset, limits, value types, evaluator semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from herald.kit.errors import ValidationFailed
from herald.segments.evaluate import Event, Facts, evaluate
from herald.segments.rules import check_regex, parse_rules

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "pattern",
    ["^fr", "a|b", "(fr|be)$", "[a-z0-9_-]+@x", "\\d{2,5}", "colou?r", "\\.example$", "(ab)+"],
)
def test_safe_regexes_are_accepted(pattern: str) -> None:
    check_regex(pattern)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a+)+$", "nested"),
        ("(a*)*", "nested"),
        ("((ab)+c)+", "nested"),
        ("(a|aa)+\\1", "backreference"),
        ("(?=x)", "lookaround"),
        ("(?<!x)y", "lookaround"),
        ("(?i)x", "lookaround"),
        ("a**", "stacked"),
        ("a{1,200}", "100"),
        ("a{1,1000}", "malformed"),
        ("[\\w]", "not allowed"),
        ("\\p{L}", "not allowed"),
        ("(a", "unbalanced"),
        ("a)", "unbalanced"),
        ("*a", "nothing to repeat"),
        ("x" * 101, "100"),
    ],
)
def test_unsafe_regexes_are_rejected(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_regex(pattern)


def test_limits() -> None:
    cond = {"field": "country", "op": "eq", "value": "FR"}
    node: dict[str, object] = cond
    for _ in range(9):
        node = {"not": node}
    parse_rules(node)
    with pytest.raises(ValidationFailed, match="deeper than 10"):
        parse_rules({"not": node})
    parse_rules({"any": [cond] * 200})
    with pytest.raises(ValidationFailed, match="more than 200"):
        parse_rules({"any": [{"all": [cond] * 100}, {"all": [cond] * 101}]})
    with pytest.raises(ValidationFailed, match="at most 1000"):
        parse_rules({"field": "country", "op": "in", "value": ["FR"] * 1001})


def test_errors_name_the_field() -> None:
    with pytest.raises(ValidationFailed, match="'password'") as info:
        parse_rules({"field": "password", "op": "eq", "value": "x"})
    assert info.value.details["field"] == "password"
    with pytest.raises(ValidationFailed, match=r"attributes\.age:number"):
        parse_rules({"field": "attributes.age:number", "op": "gt", "value": "thirty"})
    with pytest.raises(ValidationFailed, match="true or false"):
        parse_rules({"field": "attributes.vip:bool", "op": "eq", "value": "yes"})
    with pytest.raises(ValidationFailed, match="platform operators"):
        parse_rules({"field": "tenant", "op": "eq", "value": "a"}, allow_sys_fields=False)


def _facts(**columns: object) -> Facts:
    return Facts(columns=dict(columns))


def test_missing_values_satisfy_no_comparison_but_not_negates() -> None:
    neq = parse_rules({"field": "country", "op": "neq", "value": "FR"})
    nin = parse_rules({"field": "country", "op": "nin", "value": ["FR"]})
    not_eq = parse_rules({"not": {"field": "country", "op": "eq", "value": "FR"}})
    missing = _facts(country=None)
    assert not evaluate(neq, missing, now=NOW)
    assert not evaluate(nin, missing, now=NOW)
    assert evaluate(not_eq, missing, now=NOW)
    assert evaluate(neq, _facts(country="DE"), now=NOW)
    assert not evaluate(neq, _facts(country="fr"), now=NOW)


def test_engagement_ignores_machine_events() -> None:
    rules = parse_rules({"field": "last_open_days", "op": "within_last_days", "value": 7})
    machine = Facts(columns={}, events=[Event("open", NOW - timedelta(days=1), machine=True)])
    human = Facts(columns={}, events=[Event("open", NOW - timedelta(days=1))])
    assert not evaluate(rules, machine, now=NOW)
    assert evaluate(rules, human, now=NOW)
    stale = parse_rules({"field": "last_open_days", "op": "gt", "value": 7})
    assert not evaluate(stale, human, now=NOW)
    assert not evaluate(stale, Facts(columns={}), now=NOW)
    assert evaluate(
        stale, Facts(columns={}, events=[Event("open", NOW - timedelta(days=8))]), now=NOW
    )


def test_attribute_types_are_strict() -> None:
    rules = parse_rules({"field": "attributes.n:number", "op": "gte", "value": 2})
    assert evaluate(rules, Facts(columns={}, attributes={"n": 2.5}), now=NOW)
    assert not evaluate(rules, Facts(columns={}, attributes={"n": "3"}), now=NOW)
    assert not evaluate(rules, Facts(columns={}, attributes={"n": True}), now=NOW)
    day = parse_rules({"field": "attributes.joined:date", "op": "within_last_days", "value": 1})
    assert evaluate(day, Facts(columns={}, attributes={"joined": "2026-05-31T08:00Z"}), now=NOW)
    assert not evaluate(day, Facts(columns={}, attributes={"joined": "2026-05-30"}), now=NOW)
