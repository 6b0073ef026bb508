"""The configured distributors as an ordered failover chain, each behind a circuit breaker.

Every message is first prepared (category rules, deterministic Message-ID); a refused one gets a
permanent result without touching a provider. Then each distributor whose breaker allows it gets
the messages still pending; accepted and permanently refused messages are done, temporary ones
move on to the next distributor. A breaker opens after ``threshold`` consecutive temporary
failures (or timeouts), routes traffic past its distributor for ``cooldown`` seconds, then lets
one *probe* message through (half-open): success closes it, failure opens it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from herald.delivery import policy
from herald.delivery.message import EmailDistributor, OutgoingMessage, SendResult, WebhookRequest
from herald.kit.errors import ValidationFailed
from herald.kit.logging import get_logger

log = get_logger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        threshold: int = 5,
        cooldown: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._now = monotonic
        self.state = BreakerState.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probing = False

    def acquire(self) -> str | None:
        """``"all"`` (closed), ``"probe"`` (send one message) or None (skip this distributor)."""
        if self.state is BreakerState.CLOSED:
            return "all"
        if self.state is BreakerState.OPEN and self._now() - self._opened_at >= self.cooldown:
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return "probe"
        return None

    def success(self) -> None:
        self.failures = 0
        self._probing = False
        self.state = BreakerState.CLOSED

    def failure(self) -> None:
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.threshold:
            self._probing = False
            self.state = BreakerState.OPEN
            self._opened_at = self._now()

    def release_probe(self) -> None:
        self._probing = False


class DistributorChain:
    name = "chain"

    def __init__(
        self,
        distributors: list[EmailDistributor],
        *,
        secret: bytes = b"",
        threshold: int = 5,
        cooldown: float = 30.0,
        timeout: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not distributors:
            raise ValueError("at least one distributor is required")
        self.distributors = distributors
        self.breakers = {
            d.name: CircuitBreaker(threshold, cooldown, monotonic) for d in distributors
        }
        self.timeout = timeout
        self._secret = secret

    def get(self, name: str) -> EmailDistributor | None:
        return next((d for d in self.distributors if d.name == name), None)

    def status(self) -> list[dict[str, Any]]:
        return [
            {"name": d.name, "breaker": self.breakers[d.name].state.value}
            for d in self.distributors
        ]

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        return (await self.send_bulk([message]))[0]

    async def _attempt(
        self, distributor: EmailDistributor, batch: list[OutgoingMessage]
    ) -> list[SendResult]:
        try:
            results = await asyncio.wait_for(distributor.send_bulk(batch), timeout=self.timeout)
        except TimeoutError:
            return [SendResult(False, distributor.name, error="timeout") for _ in batch]
        except Exception as exc:  # an adapter bug must not lose mail: treat as temporary
            log.exception("distributor.crashed", distributor=distributor.name)
            return [SendResult(False, distributor.name, error=repr(exc)) for _ in batch]
        if len(results) != len(batch):
            return [SendResult(False, distributor.name, error="bad result count") for _ in batch]
        return results

    def _account(self, breaker: CircuitBreaker, results: list[SendResult]) -> None:
        for result in results:
            if result.accepted or result.permanent:
                breaker.success()
            else:
                breaker.failure()

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        results: list[SendResult | None] = [None] * len(messages)
        prepared: list[OutgoingMessage] = list(messages)
        pending: list[int] = []
        for i, message in enumerate(messages):
            try:
                prepared[i] = policy.prepare(message, self._secret)
                pending.append(i)
            except ValidationFailed as exc:
                results[i] = SendResult(False, self.name, error=exc.message, permanent=True)
        for distributor in self.distributors:
            if not pending:
                break
            breaker = self.breakers[distributor.name]
            mode = breaker.acquire()
            if mode is None:
                continue
            todo = pending
            if mode == "probe":
                probe = await self._attempt(distributor, [prepared[pending[0]]])
                self._account(breaker, probe)
                if not (probe[0].accepted or probe[0].permanent):
                    results[pending[0]] = probe[0]
                    log.warning("distributor.probe_failed", distributor=distributor.name)
                    continue
                log.info("distributor.recovered", distributor=distributor.name)
                results[pending[0]] = probe[0]
                todo = pending[1:]
            batch = await self._attempt(distributor, [prepared[i] for i in todo]) if todo else []
            self._account(breaker, batch)
            still = []
            for index, result in zip(todo, batch, strict=True):
                results[index] = result
                if not result.accepted and not result.permanent:
                    still.append(index)
            pending = still
        return [
            r or SendResult(False, self.name, error="no distributor available") for r in results
        ]

    async def send_via(self, name: str, message: OutgoingMessage) -> SendResult:
        """Send through one named distributor, bypassing failover (operator test sends)."""
        distributor = self.get(name)
        if distributor is None:
            raise ValidationFailed(f"no configured distributor named {name!r}", field="via")
        prepared = policy.prepare(message, self._secret)
        return (await self._attempt(distributor, [prepared]))[0]

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        for distributor in self.distributors:
            await distributor.close()
