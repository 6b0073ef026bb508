"""Differential test: the SQL compiler and the Python evaluator agree on random rule trees and
random subscribers (mixed case, NULLs, attributes of several JSON types, tracking events), on
SQLite and on PostgreSQL. One database per engine, emptied between examples."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from herald.kit import clock
from herald.kit.db import make_engine, make_sessionmaker, transaction
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.tracking import TrackingEvent
from herald.segments.compiler import compile_rules
from herald.segments.evaluate import Event, Facts, evaluate
from herald.segments.rules import parse_rules

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

STRINGS = ["Ann", "ann", "ANN", "bob", "Bob ", "", "x' OR 1=1 --", "a%b", "a_b", "fr", "FR"]
COUNTRIES = ["FR", "fr", "Be", "DE", "ch"]
LANGUAGES = ["en", "EN", "fr", "sv"]
DOMAINS = ["example.com", "Example.COM", "mail.fr"]
TIMEZONES = ["Europe/Paris", "europe/paris", "UTC"]
SOURCES = ["form", "import", "API"]
ATTR_KEYS = ["role", "score", "vip", "joined", "odd-key"]
DATE_STRINGS = ["2026-05-20", "2026-05-31T23:00:00Z", "2025-01-01", "2026-06-01", "2026-13"]
REGEXES = ["^a", "nn$", "o+b", "[a-c]", "x' OR", "\\d", "a|b", "^(fr|be)$", "e.?n", "%", "_"]

attr_values = st.one_of(
    st.none(),
    st.sampled_from(STRINGS + DATE_STRINGS + ["federation_admin", "Federation_Admin"]),
    st.integers(-5, 5),
    st.integers(-10, 10).map(lambda n: n / 2),
    st.booleans(),
    st.just([1, 2]),
    st.just({"nested": "x"}),
)
day_offsets = st.one_of(st.none(), st.integers(0, 400), st.floats(0, 400, allow_nan=False))

subscriber = st.fixed_dictionaries(
    {
        "tenant": st.sampled_from(["alpha", "alpha", "alpha", "beta"]),
        "name": st.one_of(st.none(), st.sampled_from(STRINGS)),
        "country": st.one_of(st.none(), st.sampled_from(COUNTRIES)),
        "language": st.sampled_from(LANGUAGES),
        "email_domain": st.sampled_from(DOMAINS),
        "timezone": st.one_of(st.none(), st.sampled_from(TIMEZONES)),
        "source": st.sampled_from(SOURCES),
        "created": st.integers(0, 400),
        "confirmed": day_offsets,
        "attributes": st.dictionaries(st.sampled_from(ATTR_KEYS), attr_values, max_size=4),
        "subscriptions": st.dictionaries(
            st.sampled_from(["news", "promo"]),
            st.sampled_from(["pending", "active", "unsubscribed", "bounced"]),
            max_size=2,
        ),
        "events": st.lists(
            st.tuples(
                st.sampled_from(["open", "click"]),
                st.integers(0, 200),
                st.booleans(),
                st.one_of(st.none(), st.integers(1, 3)),
            ),
            max_size=4,
        ),
    }
)


def _condition() -> st.SearchStrategy[dict[str, Any]]:
    string_fields = ["email_domain", "name", "language", "country", "timezone", "source"]
    string_values = st.sampled_from(STRINGS + COUNTRIES + LANGUAGES + DOMAINS + TIMEZONES + SOURCES)
    str_field = st.one_of(
        st.sampled_from(string_fields),
        st.sampled_from(ATTR_KEYS).map(lambda k: f"attributes.{k}"),
        st.sampled_from(ATTR_KEYS).map(lambda k: f"attributes.{k}:string"),
    )
    strings = st.one_of(
        st.tuples(str_field, st.sampled_from(["eq", "neq"]), string_values),
        st.tuples(
            str_field,
            st.sampled_from(["in", "nin"]),
            st.lists(string_values, min_size=1, max_size=3),
        ),
        st.tuples(str_field, st.just("regex"), st.sampled_from(REGEXES)),
        st.tuples(str_field, st.just("exists"), st.booleans()),
    )
    date_field = st.one_of(
        st.sampled_from(["created_at", "confirmed_at"]),
        st.sampled_from(ATTR_KEYS).map(lambda k: f"attributes.{k}:date"),
    )
    moments = st.sampled_from(
        ["2026-05-20", "2026-01-01", "2025-06-01T00:00:00Z", "2026-05-31T12:00:00+02:00"]
    )
    dates = st.one_of(
        st.tuples(
            date_field, st.sampled_from(["gt", "gte", "lt", "lte", "before", "after"]), moments
        ),
        st.tuples(date_field, st.just("within_last_days"), st.integers(0, 400)),
        st.tuples(date_field, st.just("exists"), st.booleans()),
    )
    num_field = st.sampled_from(ATTR_KEYS).map(lambda k: f"attributes.{k}:number")
    num_values = st.one_of(st.integers(-5, 5), st.integers(-10, 10).map(lambda n: n / 2))
    numbers = st.one_of(
        st.tuples(num_field, st.sampled_from(["eq", "neq", "gt", "gte", "lt", "lte"]), num_values),
        st.tuples(
            num_field, st.sampled_from(["in", "nin"]), st.lists(num_values, min_size=1, max_size=3)
        ),
        st.tuples(num_field, st.just("exists"), st.booleans()),
    )
    bool_field = st.sampled_from(ATTR_KEYS).map(lambda k: f"attributes.{k}:bool")
    bools = st.tuples(bool_field, st.sampled_from(["eq", "neq", "exists"]), st.booleans())
    membership = st.one_of(
        st.tuples(
            st.just("status"),
            st.sampled_from(["eq"]),
            st.sampled_from(["pending", "active", "unsubscribed", "bounced"]),
        ),
        st.tuples(
            st.just("list"),
            st.just("in"),
            st.lists(st.sampled_from(["news", "promo", "x"]), min_size=1, max_size=2),
        ),
        st.tuples(st.just("list"), st.just("eq"), st.sampled_from(["news", "promo"])),
        st.tuples(st.just("tenant"), st.just("eq"), st.sampled_from(["alpha", "beta"])),
    )
    engagement = st.one_of(
        st.tuples(
            st.sampled_from(["opened", "clicked"]),
            st.just("eq"),
            st.one_of(st.just(True), st.integers(1, 3)),
        ),
        st.tuples(
            st.sampled_from(["last_open_days", "last_click_days"]),
            st.sampled_from(["within_last_days", "lte", "gt"]),
            st.integers(0, 200),
        ),
    )
    return st.one_of(strings, dates, numbers, bools, membership, engagement).map(
        lambda t: {"field": t[0], "op": t[1], "value": t[2]}
    )


rule_trees = st.recursive(
    _condition(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"any": c}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=8,
)


def _at(days: float | None) -> datetime | None:
    return None if days is None else NOW - timedelta(days=days)


async def _prepare(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        async with transaction(make_sessionmaker(engine)) as s:
            ids: dict[str, Any] = {}
            for slug in ("alpha", "beta"):
                tenant = Tenant(slug=slug, name=slug)
                s.add(tenant)
                await s.flush()
                ids[slug] = tenant.id
                for list_slug in ("news", "promo"):
                    row = NewsletterList(
                        tenant_id=tenant.id, scope=tenant.id, slug=list_slug, name=list_slug
                    )
                    s.add(row)
                    await s.flush()
                    ids[(slug, list_slug)] = row.id
            return ids
    finally:
        await engine.dispose()


async def _sql_matches(
    url: str, ids: dict[str, Any], subs: list[dict[str, Any]], rules: dict[str, Any]
) -> tuple[set[int], set[int]]:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as s:
            for model in (TrackingEvent, Subscription, Subscriber):
                await s.execute(delete(model))
            expected: set[int] = set()
            node = parse_rules(rules)
            for i, sub in enumerate(subs):
                tenant_id = ids[sub["tenant"]]
                row = Subscriber(
                    tenant_id=tenant_id,
                    scope=tenant_id,
                    email=f"s{i}@x.example",
                    email_normalized=f"s{i}@x.example",
                    email_domain=sub["email_domain"],
                    name=sub["name"],
                    language=sub["language"],
                    country=sub["country"],
                    timezone=sub["timezone"],
                    source=sub["source"],
                    attributes=sub["attributes"],
                    created_at=_at(sub["created"]),
                    confirmed_at=_at(sub["confirmed"]),
                )
                s.add(row)
                await s.flush()
                for list_slug, status in sub["subscriptions"].items():
                    s.add(
                        Subscription(
                            tenant_id=tenant_id,
                            list_id=ids[(sub["tenant"], list_slug)],
                            subscriber_id=row.id,
                            status=status,
                            status_changed_at=NOW,
                        )
                    )
                events = [
                    Event(kind=k, occurred_at=NOW - timedelta(days=d), machine=m, campaign_id=c)
                    for k, d, m, c in sub["events"]
                ]
                for e in events:
                    s.add(
                        TrackingEvent(
                            tenant_id=tenant_id,
                            subscriber_id=row.id,
                            kind=e.kind,
                            machine=e.machine,
                            campaign_id=e.campaign_id,
                            occurred_at=e.occurred_at,
                        )
                    )
                facts = Facts(
                    columns={
                        "email_domain": sub["email_domain"],
                        "name": sub["name"],
                        "language": sub["language"],
                        "country": sub["country"],
                        "timezone": sub["timezone"],
                        "source": sub["source"],
                        "created_at": _at(sub["created"]),
                        "confirmed_at": _at(sub["confirmed"]),
                    },
                    attributes=sub["attributes"],
                    subscriptions=[(slug, status) for slug, status in sub["subscriptions"].items()],
                    events=events,
                    tenant_slug=sub["tenant"],
                )
                if sub["tenant"] == "alpha" and evaluate(node, facts, now=NOW):
                    expected.add(row.id)
            await s.flush()
            clause = compile_rules(node, tenant_id=ids["alpha"])
            got = set((await s.execute(select(Subscriber.id).where(clause))).scalars())
        return got, expected
    finally:
        await engine.dispose()


def test_sql_and_python_agree(db_kind: str, db_url: str) -> None:
    previous = clock.use_clock(clock.FrozenClock(NOW))
    try:
        ids = asyncio.run(_prepare(db_url))

        @settings(
            max_examples=int(os.environ.get("HERALD_SEGMENT_EXAMPLES", "150")),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        )
        @given(subs=st.lists(subscriber, max_size=8), rules=rule_trees)
        def check(subs: list[dict[str, Any]], rules: dict[str, Any]) -> None:
            got, expected = asyncio.run(_sql_matches(db_url, ids, subs, rules))
            assert got == expected, (rules, subs)

        check()
    finally:
        clock.use_clock(previous)
