"""The configured distributors as an ordered failover chain.

The full circuit-breaker chain is the delivery issue's; this first cut tries each distributor in
order for a temporary failure and stops at the first acceptance or permanent refusal.
"""

from __future__ import annotations

from typing import Any

from herald.delivery.message import EmailDistributor, OutgoingMessage, SendResult, WebhookRequest


class DistributorChain:
    name = "chain"

    def __init__(self, distributors: list[EmailDistributor]) -> None:
        if not distributors:
            raise ValueError("at least one distributor is required")
        self.distributors = distributors

    def get(self, name: str) -> EmailDistributor | None:
        return next((d for d in self.distributors if d.name == name), None)

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        result = SendResult(False, self.name, error="no distributor")
        for distributor in self.distributors:
            result = await distributor.send_transactional(message)
            if result.accepted or result.permanent:
                return result
        return result

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        results: list[SendResult | None] = [None] * len(messages)
        pending = list(range(len(messages)))
        for distributor in self.distributors:
            if not pending:
                break
            batch = await distributor.send_bulk([messages[i] for i in pending])
            still = []
            for index, result in zip(pending, batch, strict=True):
                results[index] = result
                if not result.accepted and not result.permanent:
                    still.append(index)
            pending = still
        return [r or SendResult(False, self.name, error="not attempted") for r in results]

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        for distributor in self.distributors:
            await distributor.close()
