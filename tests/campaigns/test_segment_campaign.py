"""The marketer's sentence end to end: "country in [FR, BE, CH] AND role = federation_admin AND
active in the last 90 days" is saved as a segment, counted live, and used as a campaign's audience
(intersected with its list): exactly the matching list members get the campaign."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from herald.kit import clock
from herald.kit.db import transaction
from herald.models.accounts import Tenant
from herald.models.delivery import OutboxMessage
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.campaigns.support import create_template
from tests.support.segments import add_list, add_subscriber, add_tenant
from tests.test_segments_api import FEDERATION_ADMINS

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADMIN = {"role": "federation_admin"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"base_url": "https://herald.test"}


@pytest.fixture
def shifted() -> Iterator[clock.ShiftedClock]:
    sc = clock.ShiftedClock(NOON)
    previous = clock.use_clock(sc)
    yield sc
    clock.use_clock(previous)


async def seed(runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as s:
        alpha = await add_tenant(s, "alpha")
        alpha_row = (await s.execute(select(Tenant).where(Tenant.id == alpha.id))).scalar_one()
        alpha_row.postal_address = "Alpha Federation, 1 Rue du Stade, 75001 Paris, France"
        beta = await add_tenant(s, "beta")
        club = await add_list(s, "club", alpha.id)
        other = await add_list(s, "juniors", alpha.id)
        beta_club = await add_list(s, "club", beta.id)
        member = {club.id: "active"}
        people: list[tuple[str, dict[str, Any]]] = [
            # in the segment and on the list
            ("fr@x.example", {"country": "FR", "events": [("open", 3, False, None)]}),
            ("be@x.example", {"country": "BE", "events": [("click", 80, False, None)]}),
            ("ch@x.example", {"country": "CH", "events": [("open", 30, False, None)]}),
            # in the segment, but not an active member of the campaign's list
            ("gone@x.example", {"country": "FR", "lists": {club.id: "unsubscribed"}}),
            ("junior@x.example", {"country": "FR", "lists": {other.id: "active"}}),
            # on the list, outside the segment by one clause each
            ("de@x.example", {"country": "DE"}),
            ("member@x.example", {"country": "FR", "attributes": {"role": "member"}}),
            ("stale@x.example", {"country": "FR", "events": [("open", 120, False, None)]}),
            ("proxy@x.example", {"country": "FR", "events": [("open", 1, True, None)]}),
        ]
        for email, spec in people:
            spec.setdefault("events", [("open", 5, False, None)])
            spec.setdefault("lists", member)
            spec.setdefault("attributes", ADMIN)
            await add_subscriber(s, email, tenant_id=alpha.id, **spec)
        # another tenant's perfect match, on its own "club" list
        await add_subscriber(
            s,
            "beta@y.example",
            tenant_id=beta.id,
            country="FR",
            attributes=ADMIN,
            events=[("open", 1, False, None)],
            lists={beta_club.id: "active"},
        )


async def test_segment_sentence_counted_and_sent(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
    shifted: clock.ShiftedClock,
) -> None:
    await seed(runtime)
    r = await app_client.post(
        "/sys/newsletter/segments/count",
        json={"rules": FEDERATION_ADMINS, "tenant": "alpha", "lists": ["club"]},
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 3
    r = await app_client.post(
        "/sys/newsletter/segments",
        json={"name": "Federation admins", "rules": FEDERATION_ADMINS, "tenant": "alpha"},
        headers=sys_headers,
    )
    assert r.status_code == 201, r.text
    segment_id = r.json()["id"]
    r = await app_client.get(f"/sys/newsletter/segments/{segment_id}/count", headers=sys_headers)
    assert r.json()["count"] == 5  # the whole tenant: two more who are not on "club"

    template_id = await create_template(app_client, sys_headers)
    r = await app_client.post(
        "/sys/newsletter/campaigns",
        json={
            "name": "Federation briefing",
            "subject": "Briefing for federation admins",
            "template_id": template_id,
            "tenant": "alpha",
            "lists": ["club"],
            "segment_id": segment_id,
            "from_email": "news@herald.example",
        },
        headers=sys_headers,
    )
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    r = await app_client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/schedule", json={}, headers=sys_headers
    )
    assert r.status_code == 200, r.text
    await worker.drain(max_passes=20)

    r = await app_client.get(f"/sys/newsletter/campaigns/{campaign_id}", headers=sys_headers)
    assert r.json()["status"] == "sent"
    assert r.json()["stats"]["recipients"] == 3
    async with transaction(runtime.sessions) as s:
        got = sorted((await s.execute(select(OutboxMessage.recipient))).scalars())
    assert got == ["be@x.example", "ch@x.example", "fr@x.example"]
