"""Bounce-mailbox parsing on the samples (no database): a DSN and an ARF report are read to the
right address, status and campaign; delay warnings, auto-replies and garbage are not reports."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herald.delivery import ids
from herald.delivery.feedback import EventKind
from herald.delivery.inbound.arf import parse_arf
from herald.delivery.inbound.attribution import verp_token
from herald.delivery.inbound.dsn import parse_dsn
from herald.delivery.inbound.parts import parse_message
from herald.delivery.inbound.report import Report
from herald.kit.tokens import TokenSigner
from tests.conftest import TEST_SECRET
from tests.support.bounces import CAMPAIGN, SAMPLES, message_id, sample, verp

SIGNER = TokenSigner([TEST_SECRET.encode()])
SECRETS = [TEST_SECRET.encode()]


def read(raw: bytes) -> Report | None:
    msg = parse_message(raw)
    assert msg is not None
    return parse_arf(msg) or parse_dsn(msg)


def filled(name: str, subscriber_id: int = 42) -> bytes:
    return sample(
        name,
        verp=verp(SIGNER, subscriber_id),
        message_id=message_id(SECRETS[0], subscriber_id),
        unsub_token="x" * 20 + "." + "y" * 20,
    )


def test_postfix_dsn_names_the_address_status_and_campaign() -> None:
    report = read(filled("postfix-5.1.1-hard.eml"))
    assert report is not None and report.source == "dsn"
    (line,) = report.outcomes
    assert (line.kind, line.action, line.recipient, line.status) == (
        EventKind.BOUNCE_HARD,
        "failed",
        "jane.doe@example.org",
        "5.1.1",
    )
    assert line.remote_mta == "mx1.example.org"
    assert report.reporting_mta == "relay1.news.example.com"
    key = ids.parse_message_id(report.original.message_id or "", SECRETS)
    assert key == ids.marketing_key(CAMPAIGN, 42) and key.campaign_id == CAMPAIGN
    # the VERP token comes from the envelope, or from the returned Return-Path
    token = verp_token([], report)
    assert token is not None and ids.parse_verp_token(SIGNER, token).campaign_id == CAMPAIGN


def test_exchange_ndr_with_the_whole_original() -> None:
    report = read(filled("exchange-5.1.10-hard.eml", 7))
    assert report is not None
    (line,) = report.outcomes
    assert (line.kind, line.recipient, line.status) == (
        EventKind.BOUNCE_HARD,
        "j.smith@example.net",
        "5.1.10",
    )
    assert "RecipientNotFound" in (line.diagnostic or "")
    assert ids.parse_message_id(report.original.message_id or "", SECRETS) == (
        ids.marketing_key(CAMPAIGN, 7)
    )


def test_mailbox_full_after_the_queue_lifetime_is_a_soft_bounce() -> None:
    report = read(filled("sendmail-4.2.2-soft.eml"))
    assert report is not None
    (line,) = report.outcomes
    assert (line.kind, line.recipient, line.status) == (
        EventKind.BOUNCE_SOFT,
        "olle.berg@example.com",
        "4.2.2",
    )
    assert report.occurred_at is not None and report.occurred_at.day == 6  # Last-Attempt-Date


def test_a_delay_warning_is_not_a_bounce() -> None:
    report = read(filled("postfix-delayed-4.4.1.eml"))
    assert report is not None and report.outcomes == ()


def test_arf_complaint_names_the_campaign_through_the_returned_message() -> None:
    report = read(filled("yahoo-arf-abuse.eml"))
    assert report is not None and report.source == "arf"
    (line,) = report.outcomes
    assert (line.kind, line.action, line.recipient) == (EventKind.COMPLAINT, "abuse", None)
    assert report.detail["feedback_type"] == "abuse"
    token = verp_token(["fbl@bounces.news.example.com"], report)
    assert token is not None
    assert ids.parse_verp_token(SIGNER, token) == ids.marketing_key(CAMPAIGN, 42)
    assert ids.parse_message_id(report.original.message_id or "", SECRETS) == (
        ids.marketing_key(CAMPAIGN, 42)
    )


def test_arf_not_spam_and_auth_failure_reports_are_not_complaints() -> None:
    raw = filled("yahoo-arf-abuse.eml")
    for feedback_type in (b"not-spam", b"auth-failure", b"virus"):
        report = read(raw.replace(b"Feedback-Type: abuse", b"Feedback-Type: " + feedback_type))
        assert report is not None and report.outcomes == ()


def test_a_plain_text_bounce_is_read_by_the_heuristic_detectors() -> None:
    report = read(filled("qmail-hard.eml"))
    assert report is not None and report.detail["format"] == "heuristic"
    (line,) = report.outcomes
    assert (line.kind, line.recipient) == (EventKind.BOUNCE_HARD, "per.nilsson@example.com")


def test_policy_rejections_are_blocked_not_bounced() -> None:
    raw = filled("postfix-5.1.1-hard.eml").replace(b"Status: 5.1.1", b"Status: 5.7.1")
    report = read(raw)
    assert report is not None and report.outcomes[0].kind is EventKind.BLOCKED


def test_mailto_unsubscribe_and_auto_replies_are_not_reports() -> None:
    assert read(filled("mailto-unsubscribe.eml")) is None
    reply = (
        b"From: jane.doe@example.org\r\nTo: bounces+abc.def@bounces.news.example.com\r\n"
        b"Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\n"
        b"I am away until Monday and will read your message when I return.\r\n"
    )
    assert read(reply) is None


def test_garbage_is_read_without_raising() -> None:
    report = read((SAMPLES / "garbage.eml").read_bytes())
    # whatever it makes of it, nothing in it is signed: the token is empty, the Message-ID's
    # HMAC is wrong
    assert report is not None
    assert ids.parse_message_id(report.original.message_id or "", SECRETS) is None
    token = verp_token([], report)
    assert token == ""


SAMPLE_BYTES = [filled(p.name) for p in sorted(SAMPLES.glob("*.eml"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLE_BYTES),
    st.integers(min_value=0, max_value=4000),
    st.binary(max_size=64),
    st.integers(min_value=0, max_value=200),
)
def test_mangled_samples_never_raise(base: bytes, at: int, insert: bytes, cut: int) -> None:
    at = min(at, len(base))
    mangled = base[:at] + insert + base[at + cut :]
    msg = parse_message(mangled)
    if msg is not None:
        parse_arf(msg)
        parse_dsn(msg)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    msg = parse_message(raw)
    if msg is not None:
        parse_arf(msg)
        parse_dsn(msg)


def test_samples_directory_is_complete() -> None:
    names = {p.name for p in Path(SAMPLES).glob("*.eml")}
    readme = (SAMPLES / "README.md").read_text()
    assert names and all(f"`{n}`" in readme for n in names)
