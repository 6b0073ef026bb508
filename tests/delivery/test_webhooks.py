"""Provider webhooks end to end: Mailjet (Basic), ACS/Event Grid (handshake + secret), SES/SNS
(signatures v1/v2 with a self-signed certificate served by the injected fetcher).

Payloads follow shared/reference/providers.md §2.1–2.3. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from herald.accounts.context import SYSTEM
from herald.compliance import suppression
from herald.delivery import ids
from herald.delivery.webhooks import WebhookReceiver
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.audience import Subscriber
from herald.models.compliance import ConsentRecord, Suppression
from herald.runtime import Runtime
from tests.support.feedback import (
    audit_actions,
    delivery_events,
    make_audience,
    statuses,
    suppressions,
)
from tests.support.sns import CERT_URL, REGION, TOPIC, FakeSns, ses_bounce, ses_complaint

SECRET = "hook-secret-5c1b0e7d9a"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
URL = "/_internal/distributor-webhook"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_secret": SECRET, "ses_topic_arns": f"{TOPIC}, arn:aws:sns:x:1:other"}


@pytest.fixture
def sns(runtime: Runtime, frozen_clock: clock.FrozenClock) -> FakeSns:
    fake = FakeSns()
    runtime.webhooks = WebhookReceiver(
        secret=SECRET,
        message_id_secrets=runtime.keys,
        ses_topic_arns=runtime.settings.ses_topic_arn_list,
        fetch=fake.fetch,
    )
    return fake


def at(seconds: int) -> int:
    return int((NOW + timedelta(seconds=seconds)).timestamp())


def mj(
    event: str, email: str, custom_id: str | None, *, t: int = 10, **extra: Any
) -> dict[str, Any]:
    """A Mailjet Event API v2 event (providers.md §2.1)."""
    item: dict[str, Any] = {
        "event": event,
        "time": at(t),
        "MessageID": 19421777835146490,
        "Message_GUID": "1ab23cd4-e567-8901-2345-6789f0gh1i2j",
        "email": email,
        "mj_campaign_id": 7257,
        "mj_contact_id": 4,
        "customcampaign": "t0-c12",
        "CustomID": custom_id or "",
        "Payload": json.dumps({"tenant": None, "category": "marketing"}),
    }
    if event == "bounce":
        item.update(blocked=False, hard_bounce=True, error_related_to="recipient")
        item["error"] = "user unknown"
    item.update(extra)
    return item


async def post_mailjet(
    client: httpx.AsyncClient, events: list[dict[str, Any]], password: str = SECRET
) -> httpx.Response:
    return await client.post(f"{URL}/mailjet", json=events, auth=("herald", password))


# --- Mailjet ---------------------------------------------------------------------------------


async def test_mailjet_hard_bounce_suppresses_and_resubscribe_cannot_reactivate(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    key = str(ids.marketing_key(12, sid))
    r = await post_mailjet(
        app_client,
        [
            mj("sent", "ada@example.com", key, t=5, smtp_reply="250 OK queued as 1234"),
            mj("bounce", "ADA@example.com", key, t=9),
        ],
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "received": 2, "duplicates": 0, "applied": 1}
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert await suppressions(runtime) == [(0, "all", "hard_bounce")]
    rows = await delivery_events(runtime)
    assert [(e.kind, e.subscriber_id, e.campaign_id) for e in rows] == [
        ("delivered", sid, 12),
        ("bounce_hard", sid, 12),
    ]
    assert rows[1].outcome == "bounce_hard_applied" and rows[1].event_key.startswith("sha256:")
    assert "ada@example.com" not in json.dumps([e.detail for e in rows]).lower()
    assert await audit_actions(runtime) == ["delivery.bounce"]
    # A later subscribe attempt answers as usual and reactivates nothing.
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "ada@example.com", "list": "news"}
    )
    assert r.status_code == 202
    assert await statuses(runtime, sid) == ["bounced", "bounced"]


async def test_mailjet_forged_or_missing_credentials_change_nothing(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    events = [mj("spam", "ada@example.com", str(ids.marketing_key(12, sid)), source="JMRPP")]
    r = await post_mailjet(app_client, events, password="guess")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    r = await app_client.post(f"{URL}/mailjet", json=events)
    assert r.status_code == 401
    r = await app_client.post(f"{URL}/mailjet?secret={SECRET}", json=events)  # Basic only
    assert r.status_code == 401
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == [] and await suppressions(runtime) == []


async def test_unconfigured_secret_fails_closed(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    runtime.webhooks = WebhookReceiver(secret=None, message_id_secrets=runtime.keys)
    r = await app_client.post(f"{URL}/mailjet", json=[], auth=("herald", ""))
    assert r.status_code == 401
    r = await app_client.post(f"{URL}/acs?secret=", json=[])
    assert r.status_code == 401


async def test_duplicates_apply_once_and_five_soft_bounces_in_a_row_count_as_hard(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    key = str(ids.marketing_key(12, sid))
    soft = mj("bounce", "ada@example.com", key, t=20, hard_bounce=False, error="quota exceeded")
    for _ in range(3):  # Mailjet redelivers the same event: applied once
        r = await post_mailjet(app_client, [soft])
        assert r.status_code == 200
    assert r.json()["duplicates"] == 1

    async def soft_count() -> int:
        async with transaction(runtime.sessions) as s:
            return (await s.get(Subscriber, sid)).soft_bounce_count  # type: ignore[union-attr]

    assert await soft_count() == 1
    assert len(await delivery_events(runtime)) == 1
    for t in (30, 40):
        await post_mailjet(app_client, [{**soft, "time": at(t)}])
    assert await soft_count() == 3
    # A delivery ends the run: four more soft bounces are not yet five in a row.
    await post_mailjet(app_client, [mj("sent", "ada@example.com", key, t=55)])
    assert await soft_count() == 0
    for t in (60, 70, 80, 90):
        await post_mailjet(app_client, [{**soft, "time": at(t)}])
    assert await soft_count() == 4
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await suppressions(runtime) == []
    # A soft bounce that happened before the delivery (arriving late) does not extend the run.
    await post_mailjet(app_client, [{**soft, "time": at(45)}])  # the earlier run: 4 in a row
    assert await statuses(runtime, sid) == ["active", "active"]
    await post_mailjet(app_client, [{**soft, "time": at(100)}])
    assert await soft_count() == 5
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert await suppressions(runtime) == [(0, "all", "soft_bounce_limit")]
    assert (await delivery_events(runtime))[-1].outcome == "soft_bounce_limit"


async def test_concurrent_redeliveries_apply_once(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    key = str(ids.marketing_key(12, sid))
    soft = mj("bounce", "ada@example.com", key, hard_bounce=False, error="quota exceeded")
    replies = await asyncio.gather(*(post_mailjet(app_client, [soft]) for _ in range(8)))
    assert [r.status_code for r in replies] == [200] * 8
    assert sum(r.json()["applied"] for r in replies) == 1
    async with transaction(runtime.sessions) as s:
        assert (await s.get(Subscriber, sid)).soft_bounce_count == 1  # type: ignore[union-attr]


async def test_out_of_order_events_stay_monotonic(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    ada = await make_audience(runtime)
    bob = await make_audience(runtime, "bob@example.com", tenant="acme")
    ka, kb = str(ids.marketing_key(12, ada)), str(ids.marketing_key(13, bob))
    # Ada: the complaint arrives before the (earlier) delivery and a later bounce and unsub.
    await post_mailjet(app_client, [mj("spam", "ada@example.com", ka, t=50, source="JMRPP")])
    await post_mailjet(
        app_client,
        [
            mj("sent", "ada@example.com", ka, t=5),
            mj("unsub", "ada@example.com", ka, t=60, mj_list_id=1),
            mj("bounce", "ada@example.com", ka, t=70, hard_bounce=False, error="mailbox full"),
        ],
    )
    assert await statuses(runtime, ada) == ["complained", "complained"]
    # Bob: bounced, then a delayed "sent", an unsub and a soft bounce change nothing.
    await post_mailjet(app_client, [mj("bounce", "bob@example.com", kb, t=30)])
    await post_mailjet(
        app_client,
        [
            mj("sent", "bob@example.com", kb, t=1),
            mj("unsub", "bob@example.com", kb, t=40),
            mj("open", "bob@example.com", kb, t=41, ip="198.51.100.7", agent="Mozilla/5.0"),
        ],
    )
    assert await statuses(runtime, bob) == ["bounced", "bounced"]
    async with transaction(runtime.sessions) as s:
        tenant_scope = (await s.get(Subscriber, bob)).scope  # type: ignore[union-attr]
    assert sorted(await suppressions(runtime)) == [
        (0, "marketing", "complaint"),
        (tenant_scope, "all", "hard_bounce"),
    ]
    assert await audit_actions(runtime) == ["delivery.complaint", "delivery.bounce"]


async def test_unsubscribe_and_a_stale_unsubscribe(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sns: FakeSns,
    frozen_clock: clock.FrozenClock,
) -> None:
    sid = await make_audience(runtime)
    key = str(ids.marketing_key(12, sid))
    # An unsubscribe click from before the subscription (re)started is stale: ignored.
    r = await post_mailjet(app_client, [mj("unsub", "ada@example.com", key, t=-3600)])
    assert r.json()["applied"] == 0
    assert await statuses(runtime, sid) == ["active", "active"]
    await post_mailjet(app_client, [mj("unsub", "ada@example.com", key, t=15, mj_list_id=9)])
    assert await statuses(runtime, sid) == ["unsubscribed", "unsubscribed"]
    async with transaction(runtime.sessions) as s:
        actions = (
            await s.execute(
                select(ConsentRecord.action).where(ConsentRecord.method == "provider_unsubscribe")
            )
        ).scalars()
        assert list(actions) == ["withdrawn", "withdrawn"]
    assert await audit_actions(runtime) == ["delivery.unsubscribe"]
    assert await suppressions(runtime) == []


async def test_address_lookup_stays_in_the_tenant_the_event_names(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    platform = await make_audience(runtime)
    tenant = await make_audience(runtime, tenant="acme", suffix="-acme")
    async with transaction(runtime.sessions) as s:
        tenant_id = (await s.get(Subscriber, tenant)).tenant_id  # type: ignore[union-attr]
    # Transactional key (no subscriber id): found by address, in the Payload's tenant only.
    event = mj(
        "bounce",
        "ada@example.com",
        str(ids.transactional_key(77)),
        Payload=json.dumps({"tenant": tenant_id, "category": "transactional"}),
    )
    r = await post_mailjet(app_client, [event])
    assert r.status_code == 200
    assert await statuses(runtime, tenant) == ["bounced", "bounced"]
    assert await statuses(runtime, platform) == ["active", "active"]
    assert await suppressions(runtime) == [(tenant_id, "all", "hard_bounce")]


async def test_malformed_bodies_and_unknown_provider(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    auth = ("herald", SECRET)
    r = await app_client.post(f"{URL}/mailjet", content=b"{not json", auth=auth)
    assert r.status_code == 400
    r = await app_client.post(f"{URL}/mailjet", json=[{"event": "bounce"}], auth=auth)
    assert r.status_code == 400  # no time
    r = await app_client.post(f"{URL}/mailjet", json=[{"event": "sent", "time": 1}, 3], auth=auth)
    assert r.status_code == 400
    r = await app_client.post(f"{URL}/ses", content=b'{"Type": "Notification"}')
    assert r.status_code == 400
    r = await app_client.post(f"{URL}/postmark", json=[], auth=auth)
    assert r.status_code == 404
    assert await delivery_events(runtime) == []


async def test_database_failure_is_a_5xx_and_the_retry_applies_once(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    events = [mj("bounce", "ada@example.com", str(ids.marketing_key(12, sid)))]
    async with transaction(runtime.sessions) as s:
        await s.execute(text("ALTER TABLE subscription_transitions RENAME TO st_away"))
    r = await post_mailjet(app_client, events)
    assert r.status_code == 503 and r.headers["retry-after"]
    async with transaction(runtime.sessions) as s:
        await s.execute(text("ALTER TABLE st_away RENAME TO subscription_transitions"))
    assert await statuses(runtime, sid) == ["active", "active"]  # rolled back as a whole
    assert await delivery_events(runtime) == [] and await suppressions(runtime) == []
    for _ in range(2):  # the provider retries (twice): applied exactly once
        r = await post_mailjet(app_client, events)
        assert r.status_code == 200
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert len(await delivery_events(runtime)) == 1
    assert await audit_actions(runtime) == ["delivery.bounce"]


async def test_erasure_deletes_the_subscribers_delivery_events(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    from herald.audience.erasure import erase_subscriber

    sid = await make_audience(runtime)
    await post_mailjet(app_client, [mj("open", "ada@example.com", str(ids.marketing_key(1, sid)))])
    assert len(await delivery_events(runtime)) == 1
    async with transaction(runtime.sessions) as s:
        await erase_subscriber(s, SYSTEM, sid, reason="ticket 9")
    assert await delivery_events(runtime) == []


# --- ACS / Event Grid ------------------------------------------------------------------------


def eg_report(
    recipient: str, status: str, message: str = "", *, event_id: str = "evt-1"
) -> dict[str, Any]:
    """An Event Grid EmailDeliveryReportReceived event (providers.md §2.2)."""
    return {
        "id": event_id,
        "topic": "/subscriptions/0000/resourceGroups/rg/providers/microsoft.communication/"
        "communicationservices/herald-acs",
        "subject": "sender/news@herald.example/message/7d2d3b6c-0d6f-5a5e-9d2b-1c3e5f7a9b0d",
        "data": {
            "sender": "news@herald.example",
            "recipient": recipient,
            "messageId": "7d2d3b6c-0d6f-5a5e-9d2b-1c3e5f7a9b0d",
            "internetMessageId": "<SN7PR11MB6679.namprd11.prod.outlook.com>",
            "status": status,
            "deliveryStatusDetails": {"statusMessage": message},
            "deliveryAttemptTimeStamp": "2026-06-01T12:00:20.2855749+00:00",
        },
        "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2026-06-01T12:00:21Z",
    }


async def test_event_grid_validation_handshake_requires_the_secret(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    handshake = [
        {
            "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
            "topic": "/subscriptions/xxxxxxxx/resourceGroups/rg/providers/Microsoft.Communication/"
            "communicationServices/herald-acs",
            "subject": "",
            "data": {
                "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
                "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/"
                "herald/validate?id=512d38b6&t=2026-06-01T12:00:00Z",
            },
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "eventTime": "2026-06-01T12:00:00.9349757Z",
            "metadataVersion": "1",
            "dataVersion": "2",
        }
    ]
    headers = {"aeg-event-type": "SubscriptionValidation"}
    r = await app_client.post(f"{URL}/acs?secret={SECRET}", json=handshake, headers=headers)
    assert r.status_code == 200
    assert r.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    r = await app_client.post(f"{URL}/acs?secret=wrong", json=handshake, headers=headers)
    assert r.status_code == 401
    r = await app_client.post(f"{URL}/acs", json=handshake, headers=headers)
    assert r.status_code == 401


async def test_event_grid_delivery_reports(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    ada = await make_audience(runtime)
    bob = await make_audience(runtime, "bob@example.com", tenant="acme")
    headers = {"aeg-event-type": "Notification"}
    batch = [
        eg_report("carol@example.com", "Delivered", event_id="e0"),
        eg_report("bob@example.com", "FilteredSpam", "Message identified as spam", event_id="e1"),
        eg_report("bob@example.com", "Failed", "550 5.7.1 Blocked by policy", event_id="e2"),
        eg_report("ada@example.com", "Bounced", "Hard bounce detected", event_id="e3"),
        {
            "id": "e4",
            "eventType": "Microsoft.Communication.EmailEngagementTrackingReportReceived",
            "eventTime": "2026-06-01T12:03:00Z",
            "data": {
                "sender": "news@herald.example",
                "recipient": "bob@example.com",
                "messageId": "7d2d3b6c-0d6f-5a5e-9d2b-1c3e5f7a9b0d",
                "userActionTimestamp": "2026-06-01T12:02:59.123Z",
                "engagementContext": "",
                "userAgent": "Mozilla/5.0",
                "engagementType": "view",
            },
        },
    ]
    forged = await app_client.post(f"{URL}/acs?secret=nope", json=batch, headers=headers)
    assert forged.status_code == 401
    assert await delivery_events(runtime) == []
    r = await app_client.post(f"{URL}/acs", json=batch, headers=headers, auth=("eg", SECRET))
    assert r.status_code == 200, r.text
    assert r.json()["received"] == 5
    kinds = [(e.event_key, e.kind) for e in await delivery_events(runtime)]
    assert kinds == [
        ("e0", "delivered"),
        ("e1", "blocked"),
        ("e2", "blocked"),
        ("e3", "bounce_hard"),
        ("e4", "open"),
    ]
    assert await statuses(runtime, ada) == ["bounced", "bounced"]
    assert await statuses(runtime, bob) == ["active", "active"]  # filtering is not a complaint
    assert await suppressions(runtime) == [(0, "all", "hard_bounce")]
    # Event Grid delivers at least once: the same batch again is all duplicates.
    r = await app_client.post(f"{URL}/acs?secret={SECRET}", json=batch, headers=headers)
    assert r.json()["duplicates"] == 5 and r.json()["applied"] == 0


# --- SES / SNS -------------------------------------------------------------------------------


def our_message_id(rt: Runtime, subscriber_id: int) -> str:
    return ids.message_id(ids.marketing_key(12, subscriber_id), "herald.example", rt.keys[0])


async def post_sns(client: httpx.AsyncClient, message: dict[str, Any]) -> httpx.Response:
    return await client.post(
        f"{URL}/ses",
        content=json.dumps(message).encode(),
        headers={
            "content-type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": message.get("Type", ""),
            "x-amz-sns-topic-arn": message.get("TopicArn", ""),
        },
    )


@pytest.mark.parametrize("version", ["1", "2"])
async def test_ses_bounce_with_valid_signature(
    db_kind: str, version: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    message = sns.notification(
        ses_bounce("ada@example.com", our_message_id(runtime, sid)), version=version
    )
    r = await post_sns(app_client, message)
    assert r.status_code == 200, r.text
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    [event] = await delivery_events(runtime)
    assert (event.event_key, event.message_key) == (message["MessageId"], f"m:12:{sid}")
    assert "ada@" not in json.dumps(event.detail)
    # SNS retries with the same MessageId: applied once, and the certificate came from cache.
    r = await post_sns(app_client, message)
    assert r.json()["duplicates"] == 1
    assert sns.fetched == [CERT_URL]


async def test_ses_complaint_and_soft_bounce(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    mid = our_message_id(runtime, sid)
    r = await post_sns(
        app_client,
        sns.notification(
            ses_bounce("ada@example.com", mid, bounce_type="Transient", status="4.2.2")
        ),
    )
    assert r.status_code == 200
    r = await post_sns(app_client, sns.notification(ses_complaint("ada@example.com", mid)))
    assert r.status_code == 200
    assert await statuses(runtime, sid) == ["complained", "complained"]
    assert await suppressions(runtime) == [(0, "marketing", "complaint")]
    kinds = [e.kind for e in await delivery_events(runtime)]
    assert kinds == ["bounce_soft", "complaint"]


async def test_sns_forgeries_are_rejected_without_state_change(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    good = sns.notification(ses_bounce("ada@example.com", our_message_id(runtime, sid)))
    tampered = {**good, "Message": good["Message"].replace("Permanent", "Transient")}
    assert (await post_sns(app_client, tampered)).status_code == 403
    bad_sig = {**good, "Signature": "AAAA" + good["Signature"][4:]}
    assert (await post_sns(app_client, bad_sig)).status_code == 403
    not_b64 = {**good, "Signature": "***"}
    assert (await post_sns(app_client, not_b64)).status_code == 403
    fetched_before = list(sns.fetched)
    for cert_url in (
        f"https://sns.{REGION}.amazonaws.com.evil.example/SimpleNotificationService-1.pem",
        "https://evil.example/SimpleNotificationService-1.pem",
        f"http://sns.{REGION}.amazonaws.com/SimpleNotificationService-1.pem",
        f"https://sns.{REGION}.amazonaws.com:8443/SimpleNotificationService-1.pem",
        f"https://user@sns.{REGION}.amazonaws.com/SimpleNotificationService-1.pem",
        f"https://sns.{REGION}.amazonaws.com/redirect?to=SimpleNotificationService-1.pem",
    ):
        forged = sns.sign({**good, "SigningCertURL": cert_url})
        r = await post_sns(app_client, forged)
        assert r.status_code == 403, cert_url
    assert sns.fetched == fetched_before  # nothing fetched from a foreign or plain-http host
    other_topic = sns.sign({**good, "TopicArn": "arn:aws:sns:eu-west-1:666666666666:attacker"})
    assert (await post_sns(app_client, other_topic)).status_code == 403
    v3 = sns.sign(good, version="3")
    assert (await post_sns(app_client, v3)).status_code == 403
    # Signed by a different key (a self-made certificate at the genuine URL does not help).
    impostor = FakeSns()
    forged = impostor.notification(ses_bounce("ada@example.com", our_message_id(runtime, sid)))
    assert (await post_sns(app_client, forged)).status_code == 403
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == [] and await suppressions(runtime) == []


async def test_sns_subscription_confirmation(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    confirmation = sns.confirmation()
    r = await post_sns(app_client, confirmation)
    assert r.status_code == 200 and r.json() == {"status": "confirmed"}
    assert sns.fetched == [CERT_URL, confirmation["SubscribeURL"]]
    # A signed confirmation whose SubscribeURL leaves SNS is refused and not fetched.
    sns.fetched.clear()
    for url in (
        "https://evil.example/?Action=ConfirmSubscription",
        f"http://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription",
    ):
        r = await post_sns(app_client, sns.confirmation(subscribe_url=url))
        assert r.status_code == 403
    # A forged signature: refused, SubscribeURL never called.
    r = await post_sns(app_client, {**sns.confirmation(), "Signature": "AAAA"})
    assert r.status_code == 403
    assert sns.fetched == []  # the certificate is cached; no SubscribeURL was fetched


async def test_sns_certificate_fetch_failure_is_transient(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    sns.fail = True
    message = sns.notification(ses_bounce("ada@example.com", our_message_id(runtime, sid)))
    r = await post_sns(app_client, message)
    assert r.status_code == 503
    sns.fail = False
    r = await post_sns(app_client, message)
    assert r.status_code == 200
    assert await statuses(runtime, sid) == ["bounced", "bounced"]


async def test_ses_policy_rejection_does_not_suppress(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sns: FakeSns
) -> None:
    sid = await make_audience(runtime)
    bounce = ses_bounce("ada@example.com", our_message_id(runtime, sid), status="5.7.1")
    r = await post_sns(app_client, sns.notification(bounce))
    assert r.status_code == 200
    assert [e.kind for e in await delivery_events(runtime)] == ["blocked"]
    assert await statuses(runtime, sid) == ["active", "active"]
    async with transaction(runtime.sessions) as s:
        assert not await suppression.is_suppressed(s, "ada@example.com", tenant_id=None)
        n = (await s.execute(select(func.count()).select_from(Suppression))).scalar_one()
    assert n == 0
