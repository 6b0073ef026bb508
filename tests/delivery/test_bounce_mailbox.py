"""The bounce mailbox on a real database (SQLite and PostgreSQL): DSNs, ARF complaints and
mailto unsubscribes from the samples become the same feedback webhooks produce, attributed only
through what Herald signed; and the SMTP receiver on loopback, driven with aiosmtplib."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import select, text

from herald.delivery.inbound import Mailbox
from herald.delivery.inbound.server import start_server, tls_context
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.audience import Subscriber, Subscription
from herald.models.campaigns import Delivery
from herald.models.compliance import AuditEntry, ConsentRecord
from herald.runtime import Runtime
from tests.support.bounces import (
    BOUNCE_DOMAIN,
    CAMPAIGN,
    SAMPLES,
    forged,
    message_id,
    sample,
    unsub_token,
    verp,
)
from tests.support.feedback import (
    audit_actions,
    delivery_events,
    make_audience,
    statuses,
    suppressions,
)
from tests.support.tls import self_signed

JANE = "jane.doe@example.org"


@pytest.fixture
def mailbox(runtime: Runtime) -> Mailbox:
    return Mailbox(runtime.sessions, runtime.signer, runtime.keys, BOUNCE_DOMAIN)


def postfix_dsn(rt: Runtime, sid: int, **overrides: str) -> bytes:
    values = {"verp": verp(rt.signer, sid), "message_id": message_id(rt.keys[0], sid)}
    values.update(overrides)
    return sample("postfix-5.1.1-hard.eml", **values)


async def test_dsn_hard_bounce_through_the_verp_token(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email=JANE)
    address = verp(runtime.signer, sid)
    assert await mailbox.receive([address], postfix_dsn(runtime, sid)) == "bounce_hard_applied"
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert await suppressions(runtime) == [(0, "all", "hard_bounce")]
    (event,) = await delivery_events(runtime)
    assert (event.provider, event.kind, event.outcome) == (
        "dsn",
        "bounce_hard",
        "bounce_hard_applied",
    )
    assert (event.campaign_id, event.subscriber_id) == (CAMPAIGN, sid)
    assert event.message_key == f"m:{CAMPAIGN}:{sid}"
    assert event.detail["status"] == "5.1.1" and event.detail["matched_by"] == "verp"
    assert "jane.doe" not in str(event.detail)  # addresses are scrubbed from stored text
    assert await audit_actions(runtime) == ["delivery.bounce"]
    async with transaction(runtime.sessions) as s:
        query = select(AuditEntry.actor_id).where(AuditEntry.action.like("delivery.%"))
        rows = await s.execute(query)
        actors = set(rows.scalars())
    assert actors == {"mailbox:dsn"}
    # the reporting MTA retransmits the same report: recorded once, applied once
    assert await mailbox.receive([address], postfix_dsn(runtime, sid)) == "duplicate"
    assert len(await delivery_events(runtime)) == 1


async def test_forged_or_misused_tokens_change_nothing(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email=JANE)
    good = verp(runtime.signer, sid)
    bad = forged(good)
    # forged in the envelope: ignored, even though the returned Message-ID is genuine
    assert await mailbox.receive([bad], postfix_dsn(runtime, sid, verp=bad)) == "forged_token"
    # a genuine token of another purpose (unsubscribe) in the VERP slot
    other = f"bounces+{unsub_token(runtime.signer, sid, 1)}@{BOUNCE_DOMAIN}"
    assert await mailbox.receive([other], postfix_dsn(runtime, sid, verp=other)) == "forged_token"
    # expired: bounce tokens live 30 days
    previous = clock.use_clock(clock.FrozenClock(clock.now() - timedelta(days=31)))
    try:
        old = verp(runtime.signer, sid)
    finally:
        clock.use_clock(previous)
    assert await mailbox.receive([old], postfix_dsn(runtime, sid, verp=old)) == "forged_token"
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == [] and await suppressions(runtime) == []


async def test_without_a_token_the_message_id_and_the_ledger_attribute(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email="j.smith@example.net")
    plain = f"bounces@{BOUNCE_DOMAIN}"
    # our HMAC'd Message-ID (Exchange returns the whole original)
    raw = sample(
        "exchange-5.1.10-hard.eml", verp=plain, message_id=message_id(runtime.keys[0], sid)
    )
    assert await mailbox.receive([plain], raw) == "bounce_hard_applied"
    (event,) = await delivery_events(runtime)
    assert event.detail["matched_by"] == "message_id" and event.campaign_id == CAMPAIGN

    # an id signed with a key rotated out since: it counts only if the ledger stored it
    other = await make_audience(runtime, email=JANE, suffix="-2")
    rotated = message_id(b"a-key-rotated-out-long-ago", other, campaign_id=2002)
    raw = postfix_dsn(runtime, other, verp=plain, message_id=rotated)
    assert await mailbox.receive([plain], raw) == "unknown_message"
    async with transaction(runtime.sessions) as s:
        s.add(
            Delivery(
                campaign_id=2002,
                subscriber_id=other,
                status="sent",
                due_at=clock.now(),
                provider="smtp",
                provider_message_id=rotated,
            )
        )
    assert await mailbox.receive([plain], raw) == "bounce_hard_applied"
    assert (await delivery_events(runtime))[-1].detail["matched_by"] == "ledger"
    assert await statuses(runtime, other) == ["bounced", "bounced"]


async def test_message_id_path_requires_the_reported_recipient_to_match(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email="someone.else@example.org")
    plain = f"bounces@{BOUNCE_DOMAIN}"
    raw = postfix_dsn(runtime, sid, verp=plain)  # reports jane.doe, Message-ID of someone.else
    assert await mailbox.receive([plain], raw) == "recipient_mismatch"
    assert await statuses(runtime, sid) == ["active", "active"]
    # a report whose Message-ID is not ours at all
    raw = postfix_dsn(runtime, sid, verp=plain, message_id="<abc@elsewhere.example.org>")
    assert await mailbox.receive([plain], raw) == "unknown_message"
    assert await delivery_events(runtime) == []


async def test_soft_bounce_is_counted_and_a_delay_warning_ignored(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email="olle.berg@example.com")
    address = verp(runtime.signer, sid)
    soft = sample(
        "sendmail-4.2.2-soft.eml", verp=address, message_id=message_id(runtime.keys[0], sid)
    )
    assert await mailbox.receive([address], soft) == "soft_bounce_counted"
    delayed = sample(
        "postfix-delayed-4.4.1.eml", verp=address, message_id=message_id(runtime.keys[0], sid)
    )
    assert await mailbox.receive([address], delayed) == "nothing_to_apply"
    async with transaction(runtime.sessions) as s:
        assert (await s.get(Subscriber, sid)).soft_bounce_count == 1  # type: ignore[union-attr]
    assert await statuses(runtime, sid) == ["active", "active"]
    assert [e.kind for e in await delivery_events(runtime)] == ["bounce_soft"]
    assert await suppressions(runtime) == []


async def test_arf_complaint_suppresses_marketing(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email=JANE, tenant="chess")
    raw = sample(
        "yahoo-arf-abuse.eml",
        verp=verp(runtime.signer, sid),
        message_id=message_id(runtime.keys[0], sid),
    )
    # the feedback loop mails a fixed address; the token is in the returned message
    assert await mailbox.receive([f"fbl@{BOUNCE_DOMAIN}"], raw) == "complaint_applied"
    assert await statuses(runtime, sid) == ["complained", "complained"]
    async with transaction(runtime.sessions) as s:
        tenant_id = (await s.get(Subscriber, sid)).tenant_id  # type: ignore[union-attr]
    assert await suppressions(runtime) == [(tenant_id, "marketing", "complaint")]
    (event,) = await delivery_events(runtime)
    assert (event.provider, event.kind, event.campaign_id) == ("arf", "complaint", CAMPAIGN)
    assert event.detail["feedback_type"] == "abuse"
    # a later bounce report cannot undo the complaint (monotonic ladder)
    address = verp(runtime.signer, sid)
    await mailbox.receive([address], postfix_dsn(runtime, sid))
    assert await statuses(runtime, sid) == ["complained", "complained"]


async def test_arf_without_verp_falls_back_to_the_message_id(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email=JANE)
    raw = sample(
        "yahoo-arf-abuse.eml",
        verp="news@news.example.com",
        message_id=message_id(runtime.keys[0], sid),
    )
    assert await mailbox.receive([f"fbl@{BOUNCE_DOMAIN}"], raw) == "complaint_applied"
    assert (await delivery_events(runtime))[0].detail["matched_by"] == "message_id"


async def test_heuristic_bounce_applies_through_the_verp_token(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email="per.nilsson@example.com")
    address = verp(runtime.signer, sid)
    raw = sample("qmail-hard.eml", verp=address, message_id=message_id(runtime.keys[0], sid))
    assert await mailbox.receive([address], raw) == "bounce_hard_applied"


async def test_mailto_unsubscribe(db_kind: str, runtime: Runtime, mailbox: Mailbox) -> None:
    sid = await make_audience(runtime, email=JANE)
    async with transaction(runtime.sessions) as s:
        subs = (
            await s.execute(
                select(Subscription)
                .where(Subscription.subscriber_id == sid)
                .order_by(Subscription.id)
            )
        ).scalars()
        first_list = next(iter(subs)).list_id
    token = unsub_token(runtime.signer, sid, first_list)
    to = f"unsubscribe@{BOUNCE_DOMAIN}"
    forged_raw = sample("mailto-unsubscribe.eml", unsub_token=token[:-2] + "xx")
    assert await mailbox.receive([to], forged_raw) == "unsubscribe_invalid"
    assert await statuses(runtime, sid) == ["active", "active"]
    raw = sample("mailto-unsubscribe.eml", unsub_token=token)
    assert await mailbox.receive([to], raw) == "unsubscribed"
    assert await statuses(runtime, sid) == ["unsubscribed", "active"]
    async with transaction(runtime.sessions) as s:
        methods = (
            await s.execute(select(ConsentRecord.method).where(ConsentRecord.action == "withdrawn"))
        ).scalars()
        assert list(methods) == ["mailto_unsub"]
    # the token in the address (unsubscribe+TOKEN@) works the same way, idempotently
    assert await mailbox.receive([f"unsubscribe+{token}@{BOUNCE_DOMAIN}"], b"\r\n") == (
        "unsubscribed"
    )


async def test_garbage_and_strangers_change_nothing(
    db_kind: str, runtime: Runtime, mailbox: Mailbox
) -> None:
    sid = await make_audience(runtime, email=JANE)
    # its returned Return-Path is "bounces+" with an empty token: forged. (Sent to a valid VERP
    # address instead, its one readable "failed 5.1.1" block would count: the envelope proves
    # which message it is about.)
    to = f"bounces@{BOUNCE_DOMAIN}"
    assert await mailbox.receive([to], (SAMPLES / "garbage.eml").read_bytes()) == "forged_token"
    assert await mailbox.receive([to], b"\x00\xff" * 500) in ("not_a_report", "unreadable")
    assert await mailbox.receive([f"postmaster@{BOUNCE_DOMAIN}"], b"Subject: hi\r\n\r\nhello") == (
        "not_a_report"
    )
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == []


def test_accepts_only_the_bounce_domain() -> None:
    box = Mailbox(None, None, [], "Bounces.News.Example.com.")  # type: ignore[arg-type]
    assert box.accepts("bounces+abc@bounces.news.example.com")
    assert box.accepts("<Unsubscribe@BOUNCES.news.example.com>")
    assert not box.accepts("bounces@news.example.com")
    assert not box.accepts("a@bounces.news.example.com.evil.example")
    assert not box.accepts("@bounces.news.example.com")
    assert not box.accepts("bounces.news.example.com")


# --- the SMTP receiver on loopback ---------------------------------------------------------


@pytest.fixture
async def smtp_port(mailbox: Mailbox) -> AsyncIterator[int]:
    server = await start_server(mailbox, "127.0.0.1", 0, max_size=64 * 1024)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def send(port: int, raw: bytes, to: str, sender: str = "") -> None:
    """One message, as a reporting MTA sends a DSN: ``MAIL FROM:<>`` (the null sender)."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
        await client.sendmail(sender, [to], raw)


async def test_live_server_applies_a_dsn(db_kind: str, runtime: Runtime, smtp_port: int) -> None:
    sid = await make_audience(runtime, email=JANE)
    address = verp(runtime.signer, sid)
    await send(smtp_port, postfix_dsn(runtime, sid), address)
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert await suppressions(runtime) == [(0, "all", "hard_bounce")]
    assert [(e.provider, e.campaign_id) for e in await delivery_events(runtime)] == [
        ("dsn", CAMPAIGN)
    ]


async def test_live_server_forged_token_is_accepted_and_ignored(
    db_kind: str, runtime: Runtime, smtp_port: int
) -> None:
    sid = await make_audience(runtime, email=JANE)
    bad = forged(verp(runtime.signer, sid))
    await send(smtp_port, postfix_dsn(runtime, sid, verp=bad), bad)  # 250: never bounce a bounce
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == [] and await suppressions(runtime) == []


async def test_live_server_refuses_foreign_recipients_and_oversized_mail(
    db_kind: str, runtime: Runtime, smtp_port: int
) -> None:
    sid = await make_audience(runtime, email=JANE)
    raw = postfix_dsn(runtime, sid)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(smtp_port, raw, "jane.doe@example.org")
    assert refused.value.recipients[0].code == 550
    big = raw + (b"X" * 78 + b"\r\n") * 1000
    # announced with SIZE=: refused at MAIL FROM
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as too_big:
        await send(smtp_port, big, verp(runtime.signer, sid))
    assert too_big.value.code == 552
    # not announced: the data is read, dropped, and refused at the end of DATA
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port)
    async with client:
        await client.ehlo()
        await client.mail("")
        await client.rcpt(verp(runtime.signer, sid))
        with pytest.raises(aiosmtplib.SMTPDataError) as dropped:
            await client.data(big)
        assert dropped.value.code == 552
    assert await statuses(runtime, sid) == ["active", "active"]
    assert await delivery_events(runtime) == []


async def test_live_server_survives_garbage_and_database_outages(
    db_kind: str, runtime: Runtime, smtp_port: int
) -> None:
    sid = await make_audience(runtime, email=JANE)
    address = verp(runtime.signer, sid)
    await send(smtp_port, b"\x00\x01\xff garbage\r\n.\r\n..\r\n" * 50, address)
    async with transaction(runtime.sessions) as s:
        await s.execute(text("ALTER TABLE subscription_transitions RENAME TO st_away"))
    with pytest.raises(aiosmtplib.SMTPDataError) as later:
        await send(smtp_port, postfix_dsn(runtime, sid), address)
    assert later.value.code == 451  # the reporting MTA keeps it and retries
    async with transaction(runtime.sessions) as s:
        await s.execute(text("ALTER TABLE st_away RENAME TO subscription_transitions"))
    assert await delivery_events(runtime) == []
    for _ in range(2):  # the retry, and a retransmission: applied once
        await send(smtp_port, postfix_dsn(runtime, sid), address)
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
    assert len(await delivery_events(runtime)) == 1


async def test_live_server_offers_starttls(
    db_kind: str, runtime: Runtime, mailbox: Mailbox, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    server = await start_server(
        mailbox, "127.0.0.1", 0, tls_context=tls_context(str(cert), str(key))
    )
    port = int(server.sockets[0].getsockname()[1])
    sid = await make_audience(runtime, email=JANE)
    address = verp(runtime.signer, sid)
    try:
        client = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=port, start_tls=True, validate_certs=False
        )
        async with client:
            assert client.get_transport_info("sslcontext") is not None
            await client.sendmail("", [address], postfix_dsn(runtime, sid))
    finally:
        server.close()
        await server.wait_closed()
    assert await statuses(runtime, sid) == ["bounced", "bounced"]
