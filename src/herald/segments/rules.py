"""The rule language: parsing, the field allow-list, value validation and limits.

A rule tree (NODE) is ``{"all": [NODE…]}``, ``{"any": [NODE…]}``, ``{"not": NODE}`` or a
condition ``{"field": F, "op": O, "value": V}``. Parsing checks limits first (iteratively, so a
hostile 10,000-deep tree never recurses), then every condition against the allow-list, and
returns an immutable tree the SQL compiler and the Python evaluator both walk.

Semantics shared by both back ends:

* string comparisons are case-insensitive; ``eq``/``in`` values are literals, never patterns;
* a missing value (NULL column, absent attribute, attribute of another JSON type) satisfies no
  comparison at all — not ``eq``, not ``neq``, not ``nin``, not ``regex``; only
  ``exists: false`` is true for it. ``{"not": …}`` is plain boolean negation, so
  ``not (country eq FR)`` does include subscribers without a country;
* dates are relative to ``herald.kit.clock.now()``; attribute dates compare by calendar day;
* engagement fields (``opened``, ``clicked``, ``last_open_days``, ``last_click_days``) count
  human events only (``machine = false``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from herald.kit.errors import ValidationFailed

MAX_DEPTH = 10
MAX_CONDITIONS = 200
MAX_IN_VALUES = 1000
MAX_REGEX_LENGTH = 100
MAX_STRING_LENGTH = 500
MAX_DAYS = 36500

STRING_OPS = ("eq", "neq", "in", "nin", "regex", "exists")
DATE_OPS = ("gt", "gte", "lt", "lte", "before", "after", "within_last_days", "exists")
NUMBER_OPS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists")
BOOL_OPS = ("eq", "neq", "exists")
MEMBERSHIP_OPS = ("eq", "in")
ENGAGEMENT_OPS = ("eq",)
DAYS_OPS = ("within_last_days", "lte", "gt")

SUBSCRIPTION_STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained", "suppressed")

Kind = Literal["string", "date", "number", "bool", "status", "list", "tenant", "event", "days"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    ops: tuple[str, ...]
    description: str
    sys_only: bool = False


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("email_domain", "string", STRING_OPS, "domain of the address"),
        FieldSpec("name", "string", STRING_OPS, "subscriber name"),
        FieldSpec("language", "string", STRING_OPS, "preferred language (en, sv, fr, es…)"),
        FieldSpec("country", "string", STRING_OPS, "ISO 3166 alpha-2 country code"),
        FieldSpec("timezone", "string", STRING_OPS, "IANA time zone"),
        FieldSpec("source", "string", STRING_OPS, "how the subscriber arrived (form, import…)"),
        FieldSpec("created_at", "date", DATE_OPS, "when the subscriber was created"),
        FieldSpec("confirmed_at", "date", DATE_OPS, "when the subscriber confirmed"),
        FieldSpec("status", "status", MEMBERSHIP_OPS, "any subscription in scope has the status"),
        FieldSpec("list", "list", MEMBERSHIP_OPS, "active subscription to the list slug(s)"),
        FieldSpec("tenant", "tenant", MEMBERSHIP_OPS, "tenant slug (platform operators)", True),
        FieldSpec("opened", "event", ENGAGEMENT_OPS, "true: opened any campaign, or a campaign id"),
        FieldSpec(
            "clicked", "event", ENGAGEMENT_OPS, "true: clicked any campaign, or a campaign id"
        ),
        FieldSpec("last_open_days", "days", DAYS_OPS, "days since the last human open"),
        FieldSpec("last_click_days", "days", DAYS_OPS, "days since the last human click"),
    )
}

ATTRIBUTE_TYPES: dict[str, tuple[Kind, tuple[str, ...]]] = {
    "string": ("string", STRING_OPS),
    "number": ("number", NUMBER_OPS),
    "bool": ("bool", BOOL_OPS),
    "date": ("date", DATE_OPS),
}
ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9_\-]{1,64}")
SLUG = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class Condition:
    """A validated condition. ``value`` is normalised for its kind (see ``_normalise``)."""

    field: str
    kind: Kind
    op: str
    value: Any
    attribute: str | None = None  # the key for ``attributes.<key>``


@dataclass(frozen=True, slots=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Condition | All | AnyOf | Not


class RawCondition(BaseModel):
    """The wire shape of one condition (structure only; meaning is checked by ``_condition``)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    field: str
    op: str
    value: Any = None


def check_limits(raw: Any) -> None:
    """Depth, condition count and shape, checked without recursion."""
    stack: list[tuple[Any, int]] = [(raw, 1)]
    conditions = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailed(f"rules are nested deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise ValidationFailed("every rule node must be an object")
        if "field" in node or "op" in node:
            conditions += 1
            if conditions > MAX_CONDITIONS:
                raise ValidationFailed(f"rules have more than {MAX_CONDITIONS} conditions")
            continue
        if len(node) != 1:
            raise ValidationFailed(
                'a rule node is {"all": [...]}, {"any": [...]}, {"not": NODE} or a condition'
            )
        ((key, child),) = node.items()
        if key in ("all", "any"):
            if not isinstance(child, list):
                raise ValidationFailed(f'"{key}" takes a list of rule nodes')
            if len(child) > MAX_CONDITIONS:
                raise ValidationFailed(f'"{key}" has more than {MAX_CONDITIONS} children')
            stack.extend((c, depth + 1) for c in child)
        elif key == "not":
            stack.append((child, depth + 1))
        else:
            raise ValidationFailed(
                f"unknown rule node {str(key)[:40]!r}: expected all, any, not or a condition"
            )


def parse_rules(raw: Any, *, allow_sys_fields: bool = True) -> Node:
    """Validate a rule tree from JSON. Raises ``ValidationFailed`` (422) with a clear message."""
    check_limits(raw)
    return _parse(raw, allow_sys_fields)


def _parse(raw: dict[str, Any], allow_sys: bool) -> Node:
    if "all" in raw:
        return All(tuple(_parse(c, allow_sys) for c in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_parse(c, allow_sys) for c in raw["any"]))
    if "not" in raw:
        return Not(_parse(raw["not"], allow_sys))
    try:
        cond = RawCondition.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "condition"
        raise ValidationFailed(f"invalid condition ({where}): {first['msg']}") from None
    return _condition(cond.field, cond.op, cond.value, allow_sys)


def resolve_field(field: str) -> tuple[str, Kind, tuple[str, ...], str | None]:
    """(canonical name, kind, operators, attribute key) for an allow-listed field."""
    if field.startswith("attributes."):
        rest = field[len("attributes.") :]
        key, _, declared = rest.partition(":")
        declared = declared or "string"
        if not ATTRIBUTE_KEY.fullmatch(key):
            raise ValidationFailed(
                f"invalid attribute name in field {field[:80]!r}: use letters, digits, _ or -",
                field=field[:80],
            )
        if declared not in ATTRIBUTE_TYPES:
            raise ValidationFailed(
                f"unknown attribute type {declared[:20]!r} in field {field[:80]!r}: "
                "use string, number, bool or date",
                field=field[:80],
            )
        kind, ops = ATTRIBUTE_TYPES[declared]
        return f"attributes.{key}:{declared}", kind, ops, key
    spec = FIELDS.get(field)
    if spec is None:
        raise ValidationFailed(
            f"unknown field {field[:80]!r}: use one of {', '.join(FIELDS)} or attributes.<key>",
            field=field[:80],
        )
    return spec.name, spec.kind, spec.ops, None


def _condition(field: str, op: str, value: Any, allow_sys: bool) -> Condition:
    name, kind, ops, key = resolve_field(field)
    spec = FIELDS.get(name)
    if spec is not None and spec.sys_only and not allow_sys:
        raise ValidationFailed(f"field {name!r} is for platform operators only", field=name)
    if op not in ops:
        raise ValidationFailed(
            f"operator {op[:20]!r} does not apply to field {name!r}: use one of {', '.join(ops)}",
            field=name,
        )
    try:
        normalised = _normalise(kind, op, value)
    except ValueError as exc:
        raise ValidationFailed(f"invalid value for {name!r} {op}: {exc}", field=name) from None
    return Condition(field=name, kind=kind, op=op, value=normalised, attribute=key)


def _normalise(kind: Kind, op: str, value: Any) -> Any:
    if op == "exists":
        if value is None:
            return True
        if not isinstance(value, bool):
            raise ValueError("exists takes true or false")
        return value
    if op in ("in", "nin") or (kind in ("status", "list", "tenant") and op == "in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{op} takes a non-empty list")
        if len(value) > MAX_IN_VALUES:
            raise ValueError(f"{op} takes at most {MAX_IN_VALUES} values")
        return tuple(_scalar(kind, v) for v in value)
    if kind in ("status", "list", "tenant"):  # eq
        return (_scalar(kind, value),)
    if kind == "event":
        if value is True:
            return True
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        raise ValueError("use true (any campaign) or a campaign id")
    if kind == "days" or op == "within_last_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise ValueError(f"a whole number of days between 0 and {MAX_DAYS}")
        return value
    if op == "regex":
        if not isinstance(value, str):
            raise ValueError("regex takes a string")
        check_regex(value)
        return value
    return _scalar(kind, value)


def _scalar(kind: Kind, value: Any) -> Any:
    if kind in ("string", "status", "list", "tenant"):
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        if len(value) > MAX_STRING_LENGTH:
            raise ValueError(f"strings are at most {MAX_STRING_LENGTH} characters")
        if kind == "status":
            if value not in SUBSCRIPTION_STATUSES:
                raise ValueError(f"status is one of {', '.join(SUBSCRIPTION_STATUSES)}")
        elif kind in ("list", "tenant") and not SLUG.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not a slug")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("numbers must be finite")
        if isinstance(value, int) and abs(value) > 2**53:
            raise ValueError("integers beyond ±2^53 are not supported")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {type(value).__name__}")
        return value
    if kind == "date":
        return parse_moment(value)
    raise ValueError(f"unsupported kind {kind}")  # pragma: no cover - exhaustive above


def parse_moment(value: Any) -> datetime:
    """An ISO-8601 date (midnight UTC) or date-time (naive means UTC) as an aware datetime."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("expected an ISO-8601 date or date-time string")
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- regular expressions -------------------------------------------------------------------
#
# The safe subset means the same thing to Python's ``re`` (SQLite's REGEXP function) and to
# PostgreSQL's ARE engine, and cannot backtrack catastrophically: literals, ``.``, simple
# bracket classes, ``\d \w \s`` and escaped punctuation, anchors, groups without ``(?``,
# alternation, and quantifiers ``* + ? {m,n}`` (n ≤ 100) — but never a quantified group that
# itself contains a quantifier (``(a+)+``), no backreferences and no lookarounds.

_CLASS_CHARS = re.compile(r"[A-Za-z0-9 _.\-]")
_ESCAPABLE = set(".^$*+?()[]{}|\\/-")
_CLASS_ESCAPES = set("dwsDWS")


def check_regex(pattern: str) -> None:
    if not pattern:
        raise ValueError("an empty regex")
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ValueError(f"a regex is at most {MAX_REGEX_LENGTH} characters")
    # Each open group records whether it contains a quantifier.
    groups: list[bool] = []
    i = 0
    n = len(pattern)
    prev_atom = False  # something a quantifier can apply to precedes
    prev_group_quantified = False  # that something is a group containing a quantifier
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("a trailing backslash")
            e = pattern[i + 1]
            if e.isdigit():
                raise ValueError("backreferences are not allowed")
            if e not in _ESCAPABLE and e not in _CLASS_ESCAPES:
                raise ValueError(f"the escape \\{e} is not allowed")
            i += 2
            prev_atom, prev_group_quantified = True, False
            continue
        if c == "(":
            if pattern.startswith("(?", i):
                raise ValueError("lookarounds and (?…) groups are not allowed")
            groups.append(False)
            i += 1
            prev_atom = False
            continue
        if c == ")":
            if not groups:
                raise ValueError("unbalanced parenthesis")
            inner = groups.pop()
            if inner and groups:
                groups[-1] = True
            i += 1
            prev_atom, prev_group_quantified = True, inner
            continue
        if c == "[":
            end = _class_end(pattern, i)
            i = end + 1
            prev_atom, prev_group_quantified = True, False
            continue
        if c in "*+?{":
            if c == "{":
                m = re.match(r"\{(\d{1,3})(,(\d{0,3}))?\}", pattern[i:])
                if not m:
                    raise ValueError("a malformed {m,n} quantifier")
                lo = int(m.group(1))
                hi = int(m.group(3)) if m.group(3) else lo
                if lo > 100 or hi > 100 or (m.group(3) and hi < lo):
                    raise ValueError("{m,n} bounds must be ordered and at most 100")
                length = m.end()
            else:
                length = 1
            if not prev_atom:
                raise ValueError("a quantifier with nothing to repeat")
            if prev_group_quantified:
                raise ValueError("nested quantifiers such as (a+)+ are not allowed")
            if groups:
                groups[-1] = True
            i += length
            if i < n and pattern[i] in "*+?{":
                raise ValueError("stacked quantifiers are not allowed")
            prev_atom = False
            continue
        if c == "|" or c in "^$":
            i += 1
            prev_atom = False
            continue
        if c in "}]":
            raise ValueError(f"an unescaped {c!r}")
        i += 1
        prev_atom, prev_group_quantified = True, False
    if groups:
        raise ValueError("unbalanced parenthesis")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regex: {exc}") from None


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    first = True
    while i < len(pattern):
        c = pattern[i]
        if c == "]" and not first:
            return i
        if not _CLASS_CHARS.fullmatch(c):
            raise ValueError(f"character {c!r} is not allowed inside [...]")
        first = False
        i += 1
    raise ValueError("an unterminated [...] class")


def fields_catalogue() -> list[dict[str, Any]]:
    """The allow-list for a visual builder: name, type, operators, description."""
    items: list[dict[str, Any]] = [
        {
            "field": spec.name,
            "type": spec.kind,
            "ops": list(spec.ops),
            "description": spec.description,
            "sys_only": spec.sys_only,
        }
        for spec in FIELDS.values()
    ]
    for declared, (kind, ops) in ATTRIBUTE_TYPES.items():
        items.append(
            {
                "field": f"attributes.<key>:{declared}",
                "type": kind,
                "ops": list(ops),
                "description": f"custom attribute read as {declared}"
                + (" (the default when no :type is given)" if declared == "string" else ""),
                "sys_only": False,
            }
        )
    return items
