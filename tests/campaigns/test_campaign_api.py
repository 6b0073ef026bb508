"""The campaign wizard API: validation that blocks scheduling, lifecycle, permissions, tracking
endpoints under hostile input, quiet-hours override with fresh authentication, test sends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.compliance import AuditEntry
from herald.models.delivery import OutboxMessage
from herald.models.tracking import TrackingEvent
from herald.runtime import Runtime
from tests.campaigns.support import bulk_audience, create_campaign, create_template
from tests.conftest import SYS_PASSWORD, make_tenant_admin
from tests.test_public_flow import make_list


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"base_url": "https://herald.test", "postal_address": "1 Main St, Springfield"}


async def setup_campaign(
    rt: Runtime, client: httpx.AsyncClient, headers: dict[str, str], **extra: Any
) -> int:
    a = await make_list(client, headers, "a")
    b = await make_list(client, headers, "b")
    await bulk_audience(
        rt,
        {"a": int(str(a["id"])), "b": int(str(b["id"]))},
        {"x1@example.net": ["a"], "x2@example.net": ["b"]},
    )
    template_id = await create_template(client, headers)
    return await create_campaign(client, headers, template_id, **extra)


async def test_template_errors_have_lines(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.post(
        "/sys/newsletter/templates",
        json={"name": "Bad", "mjml": "<mjml>\n<mj-body>\n<mj-include path='/etc/passwd'/>"},
        headers=sys_headers,
    )
    assert r.status_code == 422
    assert r.json()["line"] == 3
    r = await app_client.post(
        "/sys/newsletter/templates",
        json={"name": "Bad", "mjml": "<mjml><mj-body>{{ subscriber.name </mj-body></mjml>"},
        headers=sys_headers,
    )
    assert r.status_code == 422
    assert r.json()["code"] == "merge_error"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: victim@example.com"),
        ("from_name", "News\nX-Evil: 1"),
        ("subject", "=?utf-8?q?a=0D=0Ab?="),
    ],
)
async def test_header_injection_refused(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    field: str,
    value: str,
) -> None:
    await make_list(app_client, sys_headers, "a")
    template_id = await create_template(app_client, sys_headers)
    r = await app_client.post(
        "/sys/newsletter/campaigns",
        json={
            "name": "n",
            "subject": "s",
            "template_id": template_id,
            "lists": ["a"],
            "from_email": "news@herald.example",
            field: value,
        },
        headers=sys_headers,
    )
    assert r.status_code == 422, r.text


async def test_scheduling_is_blocked_with_reasons(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    await make_list(app_client, sys_headers, "empty")
    template_id = await create_template(app_client, sys_headers)
    campaign_id = await create_campaign(
        app_client,
        sys_headers,
        template_id,
        lists=["empty"],
        from_email="news@unverified.example",
    )
    runtime.settings.postal_address = None
    r = await app_client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/schedule", json={}, headers=sys_headers
    )
    assert r.status_code == 422
    codes = {p["code"] for p in r.json()["problems"]}
    assert codes == {"missing_postal_address", "unverified_sender_domain", "empty_audience"}
    r = await app_client.get(f"/sys/newsletter/campaigns/{campaign_id}", headers=sys_headers)
    assert r.json()["status"] == "draft"


async def test_lifecycle_and_tenant_isolation(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    campaign_id = await setup_campaign(runtime, app_client, sys_headers)
    base = f"/sys/newsletter/campaigns/{campaign_id}"
    r = await app_client.post(
        f"{base}/schedule", json={"send_at": "2099-01-01T09:00:00+00:00"}, headers=sys_headers
    )
    assert r.json() == {"id": campaign_id, "status": "scheduled"}
    assert (await app_client.post(f"{base}/pause", headers=sys_headers)).json()[
        "status"
    ] == "paused"
    assert (await app_client.post(f"{base}/resume", headers=sys_headers)).json()[
        "status"
    ] == "scheduled"
    assert (await app_client.post(f"{base}/cancel", headers=sys_headers)).json()[
        "status"
    ] == "cancelled"
    r = await app_client.post(f"{base}/resume", headers=sys_headers)
    assert r.status_code == 409
    r = await app_client.patch(base, json={"subject": "x"}, headers=sys_headers)
    assert r.status_code == 422

    admin = await make_tenant_admin(runtime, "acme")
    h = {"Authorization": f"Bearer {admin}"}
    assert (await app_client.get(base, headers=h)).status_code in (403, 404)
    assert (await app_client.post(f"{base}/pause", headers=h)).status_code in (403, 404)


async def test_quiet_hours_override_needs_password(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    campaign_id = await setup_campaign(runtime, app_client, sys_headers)
    url = f"/sys/newsletter/campaigns/{campaign_id}/quiet-hours-override"
    r = await app_client.post(url, json={"password": "wrong"}, headers=sys_headers)
    assert r.status_code == 403
    r = await app_client.post(url, json={"password": SYS_PASSWORD}, headers=sys_headers)
    assert r.status_code == 200
    assert r.json()["quiet_hours_override"] is True
    async with transaction(runtime.sessions) as s:
        n = (
            await s.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "newsletter.campaign.quiet_hours_override")
            )
        ).scalar_one()
    assert n == 1


async def test_test_send_and_preview(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    campaign_id = await setup_campaign(runtime, app_client, sys_headers)
    r = await app_client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/test-send",
        json={"to": ["qa@example.org"]},
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["accepted"] is True
    async with transaction(runtime.sessions) as s:
        sent = (await s.execute(select(OutboxMessage))).scalars().all()
    assert len(sent) == 1
    assert sent[0].subject.startswith("[Test] Spring news")
    assert "/public/newsletter/click/" not in (sent[0].html_body or "")  # untracked
    assert "1 Main St, Springfield" in (sent[0].text_body or "")

    r = await app_client.get(f"/sys/newsletter/campaigns/{campaign_id}", headers=sys_headers)
    template_id = r.json()["template_id"]
    r = await app_client.post(
        f"/sys/newsletter/templates/{template_id}/preview", json={}, headers=sys_headers
    )
    assert r.status_code == 200
    assert "Hello Ada" in r.json()["html"]


async def test_tracking_endpoints_under_hostile_input(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    for token in ("garbage", "a.b", "x" * 300, runtime.signer.issue(Purpose.UNSUB, 1, 1)):
        r = await app_client.get(f"/public/newsletter/open/{token}.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        r = await app_client.get(f"/public/newsletter/click/{token}")
        assert r.status_code == 404
    # A well-signed click token for a link that does not exist.
    r = await app_client.get(
        f"/public/newsletter/click/{runtime.signer.issue(Purpose.CLICK, 1, 999999)}"
    )
    assert r.status_code == 404
    # An open token used as a click token (wrong purpose) and a tampered one.
    good = runtime.signer.issue(Purpose.OPEN, 1, 1)
    r = await app_client.get(f"/public/newsletter/click/{good}")
    assert r.status_code == 404
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    r = await app_client.get(f"/public/newsletter/open/{tampered}.png")
    assert r.status_code == 200
    await runtime.recorder().flush()
    async with transaction(runtime.sessions) as s:
        n = (await s.execute(select(func.count()).select_from(TrackingEvent))).scalar_one()
    assert n == 0


async def test_click_refuses_foreign_url(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
) -> None:
    from herald.models.campaigns import CampaignLink

    campaign_id = await setup_campaign(runtime, app_client, sys_headers)
    async with transaction(runtime.sessions) as s:
        link = CampaignLink(campaign_id=campaign_id, position=1, url="https://example.com/a")
        s.add(link)
        await s.flush()
        link_id = link.id
    token = runtime.signer.issue(Purpose.CLICK, 1, link_id)
    r = await app_client.get(
        f"/public/newsletter/click/{token}", params={"url": "https://evil.example/"}
    )
    assert r.status_code == 404
    r = await app_client.get(
        f"/public/newsletter/click/{token}", params={"url": "https://example.com/a"}
    )
    assert r.status_code == 302 and r.headers["location"] == "https://example.com/a"
    r = await app_client.get(f"/public/newsletter/click/{token}")
    assert r.status_code == 302
