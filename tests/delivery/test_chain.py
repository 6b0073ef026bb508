"""Failover chain with circuit breakers: Mailjet primary, ACS secondary, both on loopback."""

from __future__ import annotations

from collections import Counter

from herald.delivery import ids
from herald.delivery.chain import BreakerState, CircuitBreaker, DistributorChain
from herald.delivery.message import Category, OutgoingMessage
from herald.delivery.providers.acs import AcsDistributor
from herald.delivery.providers.mailjet import MailjetDistributor
from tests.delivery.test_http_providers import marketing
from tests.support.providers import FakeAcs, FakeMailjet, serve


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_probes_and_closes() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, monotonic=clock)
    for _ in range(2):
        breaker.failure()
    assert breaker.acquire() == "all"
    breaker.failure()
    assert breaker.state is BreakerState.OPEN and breaker.acquire() is None
    clock.now += 10
    assert breaker.acquire() == "probe" and breaker.acquire() is None  # one probe at a time
    breaker.failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 10
    assert breaker.acquire() == "probe"
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and breaker.acquire() == "all"


def _recipients(mailjet: FakeMailjet, acs: FakeAcs) -> Counter[str]:
    got: Counter[str] = Counter(m["To"][0]["Email"] for m in mailjet.delivered)
    got.update(p["recipients"]["to"][0]["address"] for p in acs.delivered)
    return got


async def test_failover_to_secondary_and_back_after_probe() -> None:
    mailjet, acs = FakeMailjet(), FakeAcs()
    clock = ManualClock()
    async with serve(mailjet.app()) as mj_url, serve(acs.app()) as acs_url:
        chain = DistributorChain(
            [
                MailjetDistributor(mj_url, mailjet.api_key, mailjet.api_secret, timeout=0.5),
                AcsDistributor(acs_url, acs.access_key),
            ],
            secret=b"k",
            threshold=3,
            cooldown=30,
            timeout=2,
            monotonic=clock,
        )
        try:
            first = await chain.send_bulk([marketing(1, i) for i in range(5)])
            mailjet.mode = "500"
            during_5xx = await chain.send_bulk([marketing(1, i) for i in range(5, 10)])
            assert chain.breakers["mailjet"].state is BreakerState.OPEN
            calls = mailjet.calls
            while_open = await chain.send_bulk([marketing(1, i) for i in range(10, 15)])
            assert mailjet.calls == calls  # an open circuit is skipped, not tried
            clock.now += 31
            mailjet.mode = "hang"  # the probe times out: the circuit opens again
            probe_timeout = await chain.send_bulk([marketing(1, i) for i in range(15, 20)])
            assert chain.breakers["mailjet"].state is BreakerState.OPEN
            clock.now += 31
            mailjet.mode = "ok"  # recovered: the probe succeeds and traffic returns
            recovered = await chain.send_bulk([marketing(1, i) for i in range(20, 25)])
            assert chain.breakers["mailjet"].state is BreakerState.CLOSED
        finally:
            await chain.close()
    results = first + during_5xx + while_open + probe_timeout + recovered
    assert all(r.accepted for r in results)
    assert [r.provider for r in first] == ["mailjet"] * 5
    assert [r.provider for r in during_5xx + while_open + probe_timeout] == ["acs"] * 15
    assert [r.provider for r in recovered] == ["mailjet"] * 5
    got = _recipients(mailjet, acs)
    assert set(got) == {f"s{i}@mail.example.org" for i in range(25)}  # none lost
    assert max(got.values()) == 1  # none sent twice


async def test_category_rules_are_enforced_before_any_provider() -> None:
    mailjet = FakeMailjet()
    async with serve(mailjet.app()) as url:
        chain = DistributorChain(
            [MailjetDistributor(url, mailjet.api_key, mailjet.api_secret)], secret=b"k"
        )
        try:
            no_unsub = marketing(1, 1)
            no_unsub.headers.pop("List-Unsubscribe")
            http_only = marketing(1, 2)
            http_only.headers["List-Unsubscribe"] = "<http://herald.test/u/x>"
            transactional = OutgoingMessage(
                category=Category.TRANSACTIONAL,
                sender="news@news.example.com",
                recipient="t@mail.example.org",
                subject="Receipt",
                text="Thanks",
                idempotency_key=str(ids.transactional_key(77)),
                headers={**marketing(1, 3).headers, "X-Order": "77"},
            )
            results = await chain.send_bulk([no_unsub, http_only, transactional])
        finally:
            await chain.close()
    assert results[0].permanent and "List-Unsubscribe" in (results[0].error or "")
    assert results[1].permanent
    assert results[2].accepted
    assert len(mailjet.delivered) == 1
    sent = mailjet.delivered[0]
    assert sent["Headers"] == {"X-Order": "77"}  # marketing headers stripped
    assert sent["CustomID"] == "t:77"


async def test_an_internationalised_address_fails_alone_and_spoils_no_batch() -> None:
    mailjet = FakeMailjet()
    async with serve(mailjet.app()) as url:
        chain = DistributorChain(
            [MailjetDistributor(url, mailjet.api_key, mailjet.api_secret)], secret=b"k"
        )
        try:
            batch = [marketing(2, 1), marketing(2, 2, to="chloé@mail.example.org"), marketing(2, 3)]
            results = await chain.send_bulk(batch)
        finally:
            await chain.close()
    assert [r.accepted for r in results] == [True, False, True]
    assert results[1].permanent
    assert "SMTPUTF8" in (results[1].error or "")
    assert sorted(m["To"][0]["Email"] for m in mailjet.delivered) == [
        "s1@mail.example.org",
        "s3@mail.example.org",
    ]
