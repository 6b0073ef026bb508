"""Segments through the API on SQLite and PostgreSQL: exact counts, hostile input, isolation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from herald.kit.clock import FrozenClock
from herald.kit.db import transaction
from herald.runtime import Runtime
from tests.conftest import make_tenant_admin
from tests.support.segments import add_list, add_subscriber, add_tenant

COUNT = "/sys/newsletter/segments/count"

# "country in [FR, BE, CH] AND attributes.role = federation_admin AND active (opened or
# clicked) in the last 90 days"
FEDERATION_ADMINS: dict[str, Any] = {
    "all": [
        {"field": "country", "op": "in", "value": ["FR", "BE", "CH"]},
        {"field": "attributes.role", "op": "eq", "value": "federation_admin"},
        {
            "any": [
                {"field": "last_open_days", "op": "within_last_days", "value": 90},
                {"field": "last_click_days", "op": "within_last_days", "value": 90},
            ]
        },
    ]
}


async def _seed_federation(runtime: Runtime) -> dict[str, int]:
    admin = {"role": "federation_admin"}
    async with transaction(runtime.sessions) as s:
        alpha = await add_tenant(s, "alpha")
        beta = await add_tenant(s, "beta")
        news = await add_list(s, "news", alpha.id)
        add = add_subscriber
        # Matches: three countries, case-insensitive role and country, opens or clicks.
        await add(
            s,
            "a@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes=admin,
            events=[("open", 3, False, 1)],
            lists={news.id: "active"},
        )
        await add(
            s,
            "b@x.example",
            tenant_id=alpha.id,
            country="be",
            attributes={"role": "Federation_Admin"},
            events=[("click", 89, False, 2)],
        )
        await add(
            s,
            "c@x.example",
            tenant_id=alpha.id,
            country="CH",
            attributes=admin,
            events=[("open", 200, False, 1), ("click", 10, False, 1)],
        )
        # Misses, each by exactly one clause.
        await add(
            s,
            "d@x.example",
            tenant_id=alpha.id,
            country="DE",
            attributes=admin,
            events=[("open", 3, False, 1)],
        )
        await add(
            s,
            "e@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes={"role": "member"},
            events=[("open", 3, False, 1)],
        )
        await add(
            s,
            "f@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes=admin,
            events=[("open", 91, False, 1)],
        )
        await add(
            s,
            "g@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes=admin,
            events=[("open", 1, True, 1), ("click", 1, True, 1)],
        )
        await add(
            s,
            "h@x.example",
            tenant_id=alpha.id,
            country=None,
            attributes=admin,
            events=[("open", 1, False, 1)],
        )
        await add(
            s,
            "i@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes={"role": ["federation_admin"]},
            events=[("open", 1, False, 1)],
        )
        await add(
            s,
            "j@x.example",
            tenant_id=alpha.id,
            country="FR",
            attributes={"role": "federation_admin_x"},
            events=[("open", 1, False, 1)],
        )
        # Another tenant's perfect match.
        await add(
            s,
            "k@y.example",
            tenant_id=beta.id,
            country="FR",
            attributes=admin,
            events=[("open", 1, False, 1)],
        )
        return {"alpha": alpha.id, "beta": beta.id}


async def test_federation_admin_sentence_counted_exactly(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    frozen_clock: FrozenClock,
) -> None:
    await _seed_federation(runtime)
    r = await app_client.post(
        COUNT, json={"rules": FEDERATION_ADMINS, "tenant": "alpha"}, headers=sys_headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 3
    assert [s["email"] for s in body["sample"]] == ["a@x.example", "b@x.example", "c@x.example"]
    # The platform operator's view without a tenant spans both tenants.
    r = await app_client.post(COUNT, json={"rules": FEDERATION_ADMINS}, headers=sys_headers)
    assert r.json()["count"] == 4
    # Narrowed to active members of a list.
    r = await app_client.post(
        COUNT,
        json={"rules": FEDERATION_ADMINS, "tenant": "alpha", "lists": ["news"]},
        headers=sys_headers,
    )
    assert r.json()["count"] == 1
    # A day later, b's click is 90 days old and still counts; two days later it does not.
    frozen_clock.advance(days=1)
    r = await app_client.post(
        COUNT, json={"rules": FEDERATION_ADMINS, "tenant": "alpha"}, headers=sys_headers
    )
    assert r.json()["count"] == 3
    frozen_clock.advance(days=1)
    r = await app_client.post(
        COUNT, json={"rules": FEDERATION_ADMINS, "tenant": "alpha"}, headers=sys_headers
    )
    assert r.json()["count"] == 2


async def test_saved_segment_crud_and_count(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    frozen_clock: FrozenClock,
) -> None:
    await _seed_federation(runtime)
    r = await app_client.post(
        "/sys/newsletter/segments",
        json={"name": "Federation admins", "rules": FEDERATION_ADMINS, "tenant": "alpha"},
        headers=sys_headers,
    )
    assert r.status_code == 201, r.text
    seg = r.json()
    r = await app_client.get(f"/sys/newsletter/segments/{seg['id']}/count", headers=sys_headers)
    assert r.status_code == 200
    assert r.json()["count"] == 3
    r = await app_client.post(
        "/sys/newsletter/segments",
        json={"name": "Federation admins", "rules": FEDERATION_ADMINS, "tenant": "alpha"},
        headers=sys_headers,
    )
    assert r.status_code == 409
    r = await app_client.patch(
        f"/sys/newsletter/segments/{seg['id']}",
        json={"rules": {"field": "country", "op": "eq", "value": "fr"}},
        headers=sys_headers,
    )
    assert r.status_code == 200
    r = await app_client.get(f"/sys/newsletter/segments/{seg['id']}/count", headers=sys_headers)
    assert r.json()["count"] == 6  # a, e, f, g, i, j — beta's k is another tenant
    r = await app_client.patch(
        f"/sys/newsletter/segments/{seg['id']}",
        json={"rules": {"field": "nope", "op": "eq", "value": 1}},
        headers=sys_headers,
    )
    assert r.status_code == 422
    r = await app_client.get("/sys/newsletter/segments", headers=sys_headers)
    assert [i["name"] for i in r.json()["items"]] == ["Federation admins"]
    r = await app_client.delete(f"/sys/newsletter/segments/{seg['id']}", headers=sys_headers)
    assert r.status_code == 204
    r = await app_client.get(f"/sys/newsletter/segments/{seg['id']}", headers=sys_headers)
    assert r.status_code == 404


async def test_fields_catalogue(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.get("/sys/newsletter/segments/fields", headers=sys_headers)
    assert r.status_code == 200
    fields = {i["field"]: i for i in r.json()["items"]}
    assert fields["country"]["type"] == "string"
    assert "regex" in fields["country"]["ops"]
    assert fields["created_at"]["type"] == "date"
    assert "within_last_days" in fields["created_at"]["ops"]
    assert fields["tenant"]["sys_only"] is True
    assert "attributes.<key>:number" in fields


def _deep_json(depth: int) -> str:
    """Raw JSON text: too deep for the client's own encoder to produce."""
    cond = '{"field": "country", "op": "eq", "value": "FR"}'
    return '{"rules": ' + '{"not": ' * depth + cond + "}" * depth + "}"


def _deep(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"field": "country", "op": "eq", "value": "FR"}
    for _ in range(depth):
        node = {"not": node}
    return node


HOSTILE: list[tuple[str, Any, str]] = [
    ("unknown field", {"field": "password_hash", "op": "eq", "value": "x"}, "password_hash"),
    ("unknown attr type", {"field": "attributes.x:blob", "op": "eq", "value": "x"}, "blob"),
    ("bad attr key", {"field": "attributes.a'b", "op": "eq", "value": "x"}, "attribute"),
    ("wrong type", {"field": "country", "op": "eq", "value": 5}, "country"),
    ("number as string", {"field": "attributes.n:number", "op": "gt", "value": "5"}, "number"),
    ("bad date", {"field": "created_at", "op": "before", "value": "yesterday"}, "created_at"),
    ("bad op", {"field": "country", "op": "like", "value": "%"}, "like"),
    ("gt on string", {"field": "country", "op": "gt", "value": "A"}, "gt"),
    ("nested quantifier", {"field": "name", "op": "regex", "value": "(a+)+$"}, "nested"),
    ("backreference", {"field": "name", "op": "regex", "value": "(a)\\1"}, "backreference"),
    ("lookahead", {"field": "name", "op": "regex", "value": "(?=a)"}, "lookaround"),
    ("long regex", {"field": "name", "op": "regex", "value": "a" * 101}, "100"),
    ("huge in", {"field": "country", "op": "in", "value": ["FR"] * 1001}, "1000"),
    ("empty in", {"field": "country", "op": "in", "value": []}, "non-empty"),
    ("bad status", {"field": "status", "op": "eq", "value": "vip"}, "status"),
    ("extra key", {"field": "country", "op": "eq", "value": "FR", "sql": "1"}, "sql"),
    ("bad node", {"or": []}, "or"),
    ("not an object", {"all": ["country = FR"]}, "object"),
    (
        "10,000 conditions",
        {"any": [{"field": "country", "op": "eq", "value": "FR"}] * 10_000},
        "200",
    ),
    ("1,000-deep nesting", _deep_json(1000), "deep"),
    ("100,000-deep nesting", _deep_json(100_000), "deep"),
    ("11-deep nesting", _deep(10), "deeper"),
]


@pytest.mark.parametrize(("label", "rules", "needle"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_rules_are_422(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    label: str,
    rules: Any,
    needle: str,
) -> None:
    if isinstance(rules, str):
        headers = {**sys_headers, "Content-Type": "application/json"}
        r = await app_client.post(COUNT, content=rules, headers=headers)
    else:
        r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
    assert r.status_code == 422, (label, r.status_code, r.text[:300])
    assert needle.lower() in r.text.lower(), (label, r.text[:300])


async def test_depth_ten_and_two_hundred_conditions_are_accepted(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.post(COUNT, json={"rules": _deep(9)}, headers=sys_headers)
    assert r.status_code == 200, r.text
    rules = {"any": [{"field": "country", "op": "eq", "value": "FR"}] * 200}
    r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
    assert r.status_code == 200, r.text


async def test_user_text_is_literal_never_sql_or_pattern(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    async with transaction(runtime.sessions) as s:
        await add_subscriber(s, "q@x.example", name="x' OR 1=1 --", attributes={"t": "100%_a"})
        await add_subscriber(s, "r@x.example", name="Robert", attributes={"t": "100xya"})
        await add_subscriber(s, "s@x.example", name="X' or 1=1 --")

    async def count(rules: dict[str, Any]) -> int:
        r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
        assert r.status_code == 200, r.text
        return int(r.json()["count"])

    assert await count({"field": "name", "op": "eq", "value": "x' OR 1=1 --"}) == 2
    assert await count({"field": "name", "op": "in", "value": ["x' OR 1=1 --", "%"]}) == 2
    assert await count({"field": "name", "op": "eq", "value": "%"}) == 0
    assert await count({"field": "name", "op": "eq", "value": "_obert"}) == 0
    assert await count({"field": "attributes.t", "op": "eq", "value": "100%_a"}) == 1
    assert await count({"field": "attributes.t", "op": "eq", "value": "100%"}) == 0
    r = await app_client.post(
        COUNT,
        json={"rules": {"field": "attributes.x'--", "op": "exists"}},
        headers=sys_headers,
    )
    assert r.status_code == 422
    # Regex: case-insensitive search on both engines, via ~* or the registered REGEXP.
    assert await count({"field": "name", "op": "regex", "value": "^rob"}) == 1
    assert await count({"field": "name", "op": "regex", "value": "1=1 --$"}) == 2
    assert await count({"field": "attributes.t", "op": "regex", "value": "^100[a-z]+a$"}) == 1


async def test_tenant_isolation(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    frozen_clock: FrozenClock,
) -> None:
    tenants = await _seed_federation(runtime)
    token = await make_tenant_admin(runtime, "gamma")
    # Tenant admins have no access to the platform segment API at all.
    r = await app_client.post(
        COUNT,
        json={"rules": FEDERATION_ADMINS, "tenant": "alpha"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    # A tenant condition only narrows: within beta, "tenant = alpha" matches nobody.
    rules = {"all": [FEDERATION_ADMINS, {"field": "tenant", "op": "eq", "value": "alpha"}]}
    r = await app_client.post(COUNT, json={"rules": rules, "tenant": "beta"}, headers=sys_headers)
    assert r.json()["count"] == 0
    r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
    assert r.json()["count"] == 3
    r = await app_client.post(
        COUNT, json={"rules": FEDERATION_ADMINS, "tenant": "nope"}, headers=sys_headers
    )
    assert r.status_code == 404
    # Service level: a tenant actor only ever sees its own tenant, whatever the rules say.
    from herald.accounts.context import Actor
    from herald.segments import service

    actor = Actor(kind="operator", role="tenant_admin", tenant_id=tenants["beta"])
    async with transaction(runtime.sessions) as s:
        result = await service.count(s, actor, FEDERATION_ADMINS)
        assert result.count == 1
        assert [x["email"] for x in result.sample] == ["k@y.example"]
        with pytest.raises(Exception, match="platform operators"):
            await service.count(s, actor, {"field": "tenant", "op": "eq", "value": "alpha"})
        with pytest.raises(Exception, match="not found"):
            await service.count(s, actor, FEDERATION_ADMINS, tenant="alpha")


async def test_statement_timeout_is_a_clear_422(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    """PostgreSQL's statement_timeout, and on SQLite an interrupting progress handler."""
    series = (
        "SELECT g FROM generate_series(1, 200000) g"
        if db_kind == "postgres"
        else "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 200000)"
        " SELECT g FROM s"
    )
    async with transaction(runtime.sessions) as s:
        if db_kind == "postgres":  # the seeding itself must not run into the test's subject
            await s.execute(text("SET LOCAL statement_timeout = 0"))
        await s.execute(
            text(
                "INSERT INTO subscribers (scope, email, email_normalized, email_domain, name,"
                " language, source, attributes, created_at, soft_bounce_count)"
                " SELECT 0, 'u' || g || '@x.example', 'u' || g || '@x.example', 'x.example',"
                " 'name ' || g, 'en', 'form', '{}', CURRENT_TIMESTAMP, 0"
                f" FROM ({series}) AS numbers"
            )
        )
    runtime.settings.statement_timeout_ms = 1
    rules = {"field": "name", "op": "regex", "value": "(ab|cd)*e[0-9]{3}z$"}
    r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "segment_timeout"
    runtime.settings.statement_timeout_ms = 60_000
    r = await app_client.post(COUNT, json={"rules": rules}, headers=sys_headers)
    assert r.status_code == 200
    assert r.json()["count"] == 0


async def test_sqlite_regexp_function_is_registered(db_kind: str, runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as s:
        if db_kind == "sqlite":
            rows = (
                await s.execute(
                    text("SELECT 'Hello' REGEXP '^H.l+o$', 'Hello' REGEXP '^h', NULL REGEXP 'a'")
                )
            ).one()
            assert tuple(rows) == (1, 0, None)
        else:
            rows = (await s.execute(text("SELECT 'Hello' ~* '^h'"))).one()
            assert tuple(rows) == (True,)
