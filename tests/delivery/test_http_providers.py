"""Mailjet and ACS adapters against loopback servers speaking the providers' wire formats."""

from __future__ import annotations

import base64
import uuid

import pytest

from herald.delivery import ids
from herald.delivery.message import Category, OutgoingMessage
from herald.delivery.providers.acs import AcsDistributor
from herald.delivery.providers.mailjet import MailjetDistributor
from tests.support.providers import FakeAcs, FakeMailjet, serve

UNSUB = {
    "List-Unsubscribe": "<https://herald.test/u/tok>, <mailto:unsub@news.example.com>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Feedback-ID": "1001:42:marketing:herald",
}


def marketing(campaign: int, subscriber: int, to: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        category=Category.MARKETING,
        sender="news@news.example.com",
        sender_name="News",
        recipient=to or f"s{subscriber}@mail.example.org",
        subject=f"Issue {campaign}",
        text="Hello",
        html="<p>Hello</p>",
        idempotency_key=str(ids.marketing_key(campaign, subscriber)),
        tenant_id=42,
        headers=dict(UNSUB),
    )


async def test_mailjet_batches_maps_results_and_dedupes_campaign() -> None:
    fake = FakeMailjet()
    async with serve(fake.app()) as url:
        mj = MailjetDistributor(url, fake.api_key, fake.api_secret)
        try:
            messages = [marketing(1001, i) for i in range(120)]
            messages[7] = marketing(1001, 7, to="nobody@invalid.example")
            results = await mj.send_bulk(messages)
            # A retried send of an already accepted message is blocked by the campaign dedupe.
            again = await mj.send_bulk([marketing(1001, 3)])
        finally:
            await mj.close()
    assert fake.calls == 4  # 50 + 50 + 20, then the retry
    assert [r.accepted for r in results].count(True) == 119
    assert (
        not results[7].accepted and results[7].permanent and "mj-0013" in (results[7].error or "")
    )
    assert all(r.provider_message_id for i, r in enumerate(results) if i != 7)
    assert again[0].accepted and len(fake.blocked) == 1 and len(fake.delivered) == 119
    first = fake.delivered[0]
    assert first["CustomID"] == "m:1001:0"
    assert first["CustomCampaign"] == "t42-c1001" and first["DeduplicateCampaign"] is True
    assert first["TrackOpens"] == "disabled" and first["TrackClicks"] == "disabled"
    assert first["Headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Message-ID" not in first["Headers"]


async def test_mailjet_classifies_auth_throttle_and_server_errors() -> None:
    fake = FakeMailjet()
    async with serve(fake.app()) as url:
        wrong = MailjetDistributor(url, fake.api_key, "not-the-secret")
        ok = MailjetDistributor(url, fake.api_key, fake.api_secret, sandbox=True)
        try:
            denied = await wrong.send_transactional(marketing(1, 1))
            fake.mode = "429"
            throttled = await ok.send_transactional(marketing(1, 2))
            fake.mode = "500"
            broken = await ok.send_transactional(marketing(1, 3))
            fake.mode = "ok"
            sandboxed = await ok.send_transactional(marketing(1, 4))
        finally:
            await wrong.close()
            await ok.close()
    assert not denied.accepted and not denied.permanent
    assert not throttled.accepted and not throttled.permanent
    assert not broken.accepted and not broken.permanent
    assert sandboxed.accepted and len(fake.sandboxed) == 1 and not fake.delivered


async def test_transactional_mailjet_has_no_campaign_dedupe() -> None:
    fake = FakeMailjet()
    message = OutgoingMessage(
        category=Category.TRANSACTIONAL,
        sender="news@news.example.com",
        recipient="a@mail.example.org",
        subject="Reset",
        text="Reset your password",
        idempotency_key=str(ids.transactional_key(9)),
    )
    async with serve(fake.app()) as url:
        mj = MailjetDistributor(url, fake.api_key, fake.api_secret)
        try:
            result = await mj.send_transactional(message)
        finally:
            await mj.close()
    sent = fake.delivered[0]
    assert result.accepted and sent["CustomID"] == "t:9"
    assert "CustomCampaign" not in sent and "DeduplicateCampaign" not in sent


async def test_acs_signs_requests_and_uses_a_deterministic_operation_id() -> None:
    fake = FakeAcs()
    async with serve(fake.app()) as url:
        acs = AcsDistributor(url, fake.access_key, poll_seconds=5, poll_interval=0.01)
        try:
            first = await acs.send_transactional(marketing(5, 6))
            retry = await acs.send_transactional(marketing(5, 6))  # same key → same operation
            fake.mode = "429-once"
            after_throttle = await acs.send_transactional(marketing(5, 7))
        finally:
            await acs.close()
    expected_op = str(uuid.uuid5(uuid.NAMESPACE_URL, "herald:m:5:6"))
    assert first.accepted and first.provider_message_id == expected_op
    assert retry.accepted and retry.provider_message_id == expected_op
    assert after_throttle.accepted
    assert fake.auth_failures == 0
    assert len(fake.delivered) == 2  # the retry was absorbed by the Operation-Id
    payload = fake.delivered[0]
    assert payload["senderAddress"] == "news@news.example.com"
    assert payload["recipients"]["to"][0]["address"] == "s6@mail.example.org"
    assert payload["userEngagementTrackingDisabled"] is True
    assert payload["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_acs_wrong_key_failed_operation_and_outage_are_classified() -> None:
    fake = FakeAcs()
    wrong_key = base64.b64encode(b"x" * 32).decode()
    async with serve(fake.app()) as url:
        bad = AcsDistributor(url, wrong_key)
        acs = AcsDistributor(url, fake.access_key, poll_seconds=5, poll_interval=0.01)
        try:
            denied = await bad.send_transactional(marketing(1, 1))
            fake.mode = "fail-operations"
            failed = await acs.send_transactional(marketing(1, 2))
            fake.mode = "500"
            outage = await acs.send_transactional(marketing(1, 3))
        finally:
            await bad.close()
            await acs.close()
    assert fake.auth_failures == 1 and not denied.accepted and not denied.permanent
    assert not failed.accepted and failed.permanent and "Rejected" in (failed.error or "")
    assert not outage.accepted and not outage.permanent


def test_acs_rejects_an_access_key_that_is_not_base64() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - binascii.Error is a ValueError
        AcsDistributor("http://127.0.0.1:9", "not base64!")
