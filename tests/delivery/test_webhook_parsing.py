"""Pure parsing rules of the webhook adapters (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from herald.delivery.feedback import EventKind, FeedbackEvent, scrub
from herald.delivery.webhooks.common import iso_time
from herald.delivery.webhooks.eventgrid import classify_failure
from herald.delivery.webhooks.sns import is_sns_url
from herald.kit.errors import ValidationFailed


def test_iso_time_reads_dotnet_and_zulu_forms() -> None:
    want = datetime(2020, 9, 18, 0, 22, 20, 285574, tzinfo=UTC)
    assert iso_time("2020-09-18T00:22:20.2855749+00:00") == want
    assert iso_time("2020-09-18T02:22:20.2855749+02:00") == want
    assert iso_time("2016-01-27T14:59:38.237Z") == datetime(
        2016, 1, 27, 14, 59, 38, 237000, tzinfo=UTC
    )
    with pytest.raises(ValidationFailed):
        iso_time("yesterday")


@pytest.mark.parametrize(
    ("status", "details", "kind"),
    [
        ("bounced", "Hard bounce detected", EventKind.BOUNCE_HARD),
        ("suppressed", "", EventKind.BOUNCE_HARD),
        ("failed", "550 5.1.1 The email account does not exist", EventKind.BOUNCE_HARD),
        ("failed", "550 5.7.26 Unauthenticated email is not accepted", EventKind.BLOCKED),
        ("failed", "452 4.2.2 Mailbox full", EventKind.BOUNCE_SOFT),
        ("failed", "Something odd happened", EventKind.BOUNCE_SOFT),
        ("filteredspam", "Message rejected as spam", EventKind.BLOCKED),
        ("quarantined", "reported as abuse by the recipient", EventKind.COMPLAINT),
    ],
)
def test_acs_failure_classification(status: str, details: str, kind: EventKind) -> None:
    assert classify_failure(status, details) is kind


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc123.pem", True),
        ("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", True),
        ("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc123.pem", False),
        ("https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-a.pem", False),
        ("https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem", False),
        ("https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-a.pem", False),
        ("https://x@sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem", False),
        ("https://sns.us-east-1.amazonaws.com:444/SimpleNotificationService-a.pem", False),
        ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem?x=1", False),
        ("https://sns.us-east-1.amazonaws.com/../SimpleNotificationService-a.pem", False),
        ("https://SNS.us-east-1.amazonaws.com/SimpleNotificationService-a.pem", False),
        ("https://s3.amazonaws.com/SimpleNotificationService-a.pem", False),
    ],
)
def test_certificate_url_pinning(url: str, ok: bool) -> None:
    assert is_sns_url(url, certificate=True) is ok


def test_synthetic_keys_are_stable_and_distinct() -> None:
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    a = FeedbackEvent("mailjet", EventKind.CLICK, at, provider_message_id="1", detail={"url": "x"})
    b = FeedbackEvent("mailjet", EventKind.CLICK, at, provider_message_id="1", detail={"url": "y"})
    again = FeedbackEvent(
        "mailjet", EventKind.CLICK, at, provider_message_id="1", detail={"url": "x"}
    )
    assert a.event_key == again.event_key
    assert a.event_key != b.event_key and a.event_key.startswith("sha256:")
    assert FeedbackEvent("ses", EventKind.OPEN, at, event_id="abc").event_key == "abc"


def test_scrub_removes_addresses_and_caps_text() -> None:
    out = scrub({"error": "550 5.1.1 <Ada@Example.com>: no such user", "n": 3, "x": "y" * 900})
    assert out["error"] == "550 5.1.1 <[address]>: no such user"
    assert out["n"] == 3 and len(out["x"]) == 500
