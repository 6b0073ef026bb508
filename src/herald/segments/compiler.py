"""Compile a rule tree to one boolean SQL expression over ``subscribers``.

The same expression runs on SQLite and PostgreSQL and gives the results
``herald.segments.evaluate`` gives in Python (a hypothesis test holds them to it). Each
condition compiles to a strictly two-valued expression (``value IS NOT NULL AND …``), so
``NOT`` never meets SQL's UNKNOWN and negation means the same thing in both back ends.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    String,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from herald.kit import clock
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.tracking import TrackingEvent
from herald.segments.rules import All, AnyOf, Condition, Node, Not, parse_rules

COLUMNS: dict[str, Any] = {
    "email_domain": Subscriber.email_domain,
    "name": Subscriber.name,
    "language": Subscriber.language,
    "country": Subscriber.country,
    "timezone": Subscriber.timezone,
    "source": Subscriber.source,
    "created_at": Subscriber.created_at,
    "confirmed_at": Subscriber.confirmed_at,
}
# Short codes with an index on (scope, column): matched through every ASCII case variant so
# the index stays usable while the comparison stays case-insensitive.
CASE_VARIANT_COLUMNS = {"country", "language"}
MAX_CASE_VARIANTS = 64

# --- portable JSON and regex constructs ------------------------------------------------------

_JSON_TYPES = {
    # kind: (SQLite json_type values, PostgreSQL jsonb_typeof values)
    "string": (("text",), ("string",)),
    "number": (("integer", "real"), ("number",)),
    "bool": (("true", "false"), ("boolean",)),
    "true": (("true",), ("boolean",)),
    "false": (("false",), ("boolean",)),
}


class _json_is(FunctionElement[bool]):
    """``attributes[key]`` is present with a JSON type (see ``_JSON_TYPES``).

    The kind is a class attribute, not an argument, so it is part of the statement's cache
    key; the key travels as a bound parameter.
    """

    type = Boolean()
    inherit_cache = True
    kind = ""


class json_is_string(_json_is):
    inherit_cache = True
    name = "json_is_string"
    kind = "string"


class json_is_number(_json_is):
    inherit_cache = True
    name = "json_is_number"
    kind = "number"


class json_is_bool(_json_is):
    inherit_cache = True
    name = "json_is_bool"
    kind = "bool"


class json_is_true(_json_is):
    inherit_cache = True
    name = "json_is_true"
    kind = "true"


class json_is_false(_json_is):
    inherit_cache = True
    name = "json_is_false"
    kind = "false"


JSON_IS: dict[str, type[_json_is]] = {
    cls.kind: cls
    for cls in (json_is_string, json_is_number, json_is_bool, json_is_true, json_is_false)
}


def json_is(column: Any, key: str, kind: str) -> ColumnElement[bool]:
    return JSON_IS[kind](column, literal(key, String()))


class json_text(FunctionElement[str]):
    """``attributes[key]`` as text (strings unquoted)."""

    type = String()
    inherit_cache = True
    name = "json_text"


class json_number(FunctionElement[float]):
    """``attributes[key]`` as a number, NULL unless it is a JSON number."""

    type = Float()
    inherit_cache = True
    name = "json_number"


class regex_match(FunctionElement[bool]):
    """Case-insensitive regular-expression search (``~*`` / ``REGEXP '(?i)…'``)."""

    type = Boolean()
    inherit_cache = True
    name = "regex_match"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


def _sqlite_path(key_sql: str) -> str:
    # Keys are restricted to [A-Za-z0-9_-] by the rule parser; quoting keeps '-' literal.
    return f"('$.\"' || {key_sql} || '\"')"


@compiles(_json_is, "sqlite")
def _json_is_sqlite(element: _json_is, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    types = ", ".join(f"'{t}'" for t in _JSON_TYPES[element.kind][0])
    # COALESCE: an absent key gives NULL, and conditions must stay two-valued for NOT.
    return f"COALESCE(json_type({column}, {_sqlite_path(key)}) IN ({types}), 0)"


@compiles(_json_is, "postgresql")
def _json_is_pg(element: _json_is, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    (kind,) = _JSON_TYPES[element.kind][1]
    clause = f"jsonb_typeof({column} -> {key}) = '{kind}'"
    if element.kind in ("true", "false"):
        clause += f" AND ({column} ->> {key}) = '{element.kind}'"
    return f"COALESCE({clause}, FALSE)"


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    return f"json_extract({column}, {_sqlite_path(key)})"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    return f"({column} ->> {key})"


@compiles(json_number, "sqlite")
def _json_number_sqlite(element: json_number, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    path = _sqlite_path(key)
    return (
        f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
        f"THEN json_extract({column}, {path}) END)"
    )


@compiles(json_number, "postgresql")
def _json_number_pg(element: json_number, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    return (
        f"(CASE WHEN jsonb_typeof({column} -> {key}) = 'number' "
        f"THEN CAST(({column} ->> {key}) AS DOUBLE PRECISION) END)"
    )


@compiles(regex_match, "sqlite")
def _regex_sqlite(element: regex_match, compiler: SQLCompiler, **kw: Any) -> str:
    # REGEXP is the Python ``re`` function registered on connect (herald.kit.db).
    value, pattern = _args(element, compiler, **kw)
    return f"({value} REGEXP ('(?i)' || {pattern}))"


@compiles(regex_match, "postgresql")
def _regex_pg(element: regex_match, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = _args(element, compiler, **kw)
    return f"({value} ~* {pattern})"


# --- the compiler ----------------------------------------------------------------------------


def compile_rules(
    rules: Node | dict[str, Any], *, tenant_id: int | None, all_tenants: bool = False
) -> ColumnElement[bool]:
    """A WHERE clause over ``Subscriber``: the rules, always within the caller's scope.

    ``tenant_id`` is the caller's tenant (None: platform-wide subscribers) unless
    ``all_tenants`` (a platform operator's view). The scope never comes from the rules: a
    ``tenant`` condition can only narrow it.
    """
    node = rules if isinstance(rules, Condition | All | AnyOf | Not) else parse_rules(rules)
    scope: ColumnElement[bool] = (
        true() if all_tenants else Subscriber.scope == (tenant_id if tenant_id else 0)
    )
    return and_(scope, _node(node))


def _node(node: Node) -> ColumnElement[bool]:
    if isinstance(node, All):
        return and_(true(), *(_node(c) for c in node.children))
    if isinstance(node, AnyOf):
        return or_(false(), *(_node(c) for c in node.children))
    if isinstance(node, Not):
        return not_(_node(node.child))
    return _condition(node)


def _condition(c: Condition) -> ColumnElement[bool]:
    if c.kind == "status":
        return exists(
            select(1).where(
                Subscription.subscriber_id == Subscriber.id, Subscription.status.in_(c.value)
            )
        )
    if c.kind == "list":
        return exists(
            select(1)
            .select_from(Subscription)
            .join(NewsletterList, NewsletterList.id == Subscription.list_id)
            .where(
                Subscription.subscriber_id == Subscriber.id,
                Subscription.status == "active",
                NewsletterList.scope == Subscriber.scope,
                NewsletterList.slug.in_(c.value),
            )
        )
    if c.kind == "tenant":
        return Subscriber.tenant_id.in_(select(Tenant.id).where(Tenant.slug.in_(c.value)))
    if c.kind == "event":
        return _events("open" if c.field == "opened" else "click", campaign=c.value)
    if c.kind == "days":
        kind = "open" if c.field == "last_open_days" else "click"
        recent = _events(kind, since=clock.now() - timedelta(days=c.value))
        if c.op == "gt":
            return and_(_events(kind), not_(recent))
        return recent
    if c.attribute is not None:
        return _attribute(c)
    return _column(c)


def _events(kind: str, *, campaign: Any = True, since: Any = None) -> ColumnElement[bool]:
    query = select(1).where(
        TrackingEvent.subscriber_id == Subscriber.id,
        TrackingEvent.kind == kind,
        TrackingEvent.machine.is_(False),
    )
    if campaign is not True:
        query = query.where(TrackingEvent.campaign_id == campaign)
    if since is not None:
        query = query.where(TrackingEvent.occurred_at >= since)
    return exists(query)


def _column(c: Condition) -> ColumnElement[bool]:
    column = COLUMNS[c.field]
    present: ColumnElement[bool] = column.is_not(None)
    if c.op == "exists":
        return present if c.value else column.is_(None)
    if c.kind == "date":
        return and_(present, _compare_moment(column, c))
    # strings
    if c.op == "regex":
        return and_(present, regex_match(column, literal(c.value, String())))
    values = (c.value,) if c.op in ("eq", "neq") else c.value
    matched = _string_in(column, values, variants=c.field in CASE_VARIANT_COLUMNS)
    return and_(present, matched if c.op in ("eq", "in") else not_(matched))


def _string_in(column: Any, values: tuple[str, ...], *, variants: bool) -> ColumnElement[bool]:
    if variants and all(v.isascii() for v in values):
        expanded: set[str] = set()
        for v in values:
            options = [{ch.lower(), ch.upper()} for ch in v]
            count = 1
            for o in options:
                count *= len(o)
            if count > MAX_CASE_VARIANTS:
                break
            expanded.update("".join(p) for p in itertools.product(*options))
        else:
            matched: ColumnElement[bool] = column.in_(sorted(expanded))
            return matched
    lowered = func.lower(column)
    if len(values) == 1:
        return lowered == func.lower(literal(values[0], String()))
    return lowered.in_([func.lower(literal(v, String())) for v in values])


def _compare_moment(column: Any, c: Condition) -> ColumnElement[bool]:
    if c.op == "within_last_days":
        result: ColumnElement[bool] = column >= clock.now() - timedelta(days=c.value)
        return result
    return _ordered(column, c.op, c.value)


def _ordered(expr: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op in ("gt", "after"):
        result: ColumnElement[bool] = expr > value
    elif op == "gte":
        result = expr >= value
    elif op in ("lt", "before"):
        result = expr < value
    elif op == "lte":
        result = expr <= value
    elif op == "eq":
        result = expr == value
    elif op == "neq":
        result = expr != value
    else:  # pragma: no cover - the parser only lets known operators through
        raise AssertionError(op)
    return result


def _attribute(c: Condition) -> ColumnElement[bool]:
    assert c.attribute is not None
    column = Subscriber.attributes
    key = c.attribute
    declared = c.field.rsplit(":", 1)[1]
    key_lit = literal(key, String())
    present: ColumnElement[bool]
    if declared == "bool":
        present = json_is(column, key, "bool")
        if c.op == "exists":
            return present if c.value else not_(present)
        wanted = "true" if (c.value is True) == (c.op == "eq") else "false"
        return json_is(column, key, wanted)
    if declared == "number":
        present = json_is(column, key, "number")
        if c.op == "exists":
            return present if c.value else not_(present)
        number = json_number(column, key_lit)
        if c.op in ("in", "nin"):
            matched = number.in_([literal(float(v), Float()) for v in c.value])
            return and_(present, matched if c.op == "in" else not_(matched))
        return and_(present, _ordered(number, c.op, literal(float(c.value), Float())))
    text = json_text(column, key_lit)
    if declared == "date":
        day = func.substr(text, 1, 10)
        present = and_(json_is(column, key, "string"), _is_iso_day(day))
        if c.op == "exists":
            return present if c.value else not_(present)
        if c.op == "within_last_days":
            since = (clock.now() - timedelta(days=c.value)).date().isoformat()
            return and_(present, day >= literal(since, String()))
        target = literal(c.value.date().isoformat(), String())
        return and_(present, _ordered(day, c.op, target))
    present = json_is(column, key, "string")
    if c.op == "exists":
        return present if c.value else not_(present)
    if c.op == "regex":
        return and_(present, regex_match(text, literal(c.value, String())))
    values = (c.value,) if c.op in ("eq", "neq") else c.value
    found = _string_in(text, values, variants=False)
    return and_(present, found if c.op in ("eq", "in") else not_(found))


class is_iso_day(FunctionElement[bool]):
    """The text starts with ``YYYY-MM-DD`` digits (GLOB / ``~``)."""

    type = Boolean()
    inherit_cache = True
    name = "is_iso_day"


@compiles(is_iso_day, "sqlite")
def _iso_day_sqlite(element: is_iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"({value} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"


@compiles(is_iso_day, "postgresql")
def _iso_day_pg(element: is_iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"({value} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')"


def _is_iso_day(day: Any) -> ColumnElement[bool]:
    return and_(day.is_not(None), is_iso_day(day))
