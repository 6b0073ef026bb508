"""The ``mailjet`` distributor: Send API v3.1 (``POST {api}/v3.1/send``, HTTP basic auth).

Up to 50 messages per call. Each message succeeds or fails on its own and the response keeps the
input order. The key of our id scheme is the ``CustomID``; marketing mail also names its campaign
(``CustomCampaign``) with ``DeduplicateCampaign: true`` — Mailjet's only dedupe handle, so a
retried send to the same subscriber in the same campaign is blocked rather than delivered twice.
Provider tracking is always off: Herald tracks itself, and transactional mail is never tracked.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from herald.delivery import ids
from herald.delivery.message import Category, OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.policy import message_key
from herald.delivery.providers.common import (
    custom_headers,
    is_temporary_status,
    retry_after_seconds,
)

MAX_MESSAGES_PER_CALL = 50
# Mailjet error send-0011: headers it sets itself (plus ours that go in dedicated fields).
FORBIDDEN_HEADERS = frozenset(
    {
        "from",
        "sender",
        "subject",
        "to",
        "cc",
        "bcc",
        "return-path",
        "delivered-to",
        "dkim-signature",
        "domainkey-status",
        "received-spf",
        "authentication-results",
        "received",
        "x-mailjet-prio",
        "x-mailjet-debug",
        "user-agent",
        "x-mailer",
        "x-mj-customid",
        "x-mj-eventpayload",
        "x-mailjet-campaign",
        "x-mailjet-deduplicatecampaign",
        "x-mailjet-trackopen",
        "x-mailjet-trackclick",
        "x-feedback-id",
        "list-id",
        "date",
        "message-id",
        "reply-to",
        "mime-version",
    }
)


def custom_campaign(message: OutgoingMessage, key: ids.MessageKey | None) -> str | None:
    if message.category is not Category.MARKETING or key is None or key.campaign_id is None:
        return None
    return f"t{message.tenant_id or 0}-c{key.campaign_id}"


def message_payload(message: OutgoingMessage) -> dict[str, Any]:
    key = message_key(message)
    sender: dict[str, str] = {"Email": message.sender}
    if message.sender_name:
        sender["Name"] = message.sender_name
    recipient: dict[str, str] = {"Email": message.recipient}
    if message.recipient_name:
        recipient["Name"] = message.recipient_name
    payload: dict[str, Any] = {
        "From": sender,
        "To": [recipient],
        "Subject": message.subject,
        "TextPart": message.text,
        "TrackOpens": "disabled",
        "TrackClicks": "disabled",
    }
    if message.html is not None:
        payload["HTMLPart"] = message.html
    if message.reply_to:
        payload["ReplyTo"] = {"Email": message.reply_to}
    if key is not None:
        payload["CustomID"] = str(key)
    payload["EventPayload"] = json.dumps(
        {"tenant": message.tenant_id, "category": message.category.value}, separators=(",", ":")
    )
    campaign = custom_campaign(message, key)
    if campaign:
        payload["CustomCampaign"] = campaign
        payload["DeduplicateCampaign"] = True
    headers = custom_headers(message, FORBIDDEN_HEADERS)
    if headers:
        payload["Headers"] = headers
    return payload


def _message_result(item: dict[str, Any]) -> SendResult:
    if item.get("Status") == "success":
        to = (item.get("To") or [{}])[0]
        mid = to.get("MessageID") or to.get("MessageUUID")
        return SendResult(True, "mailjet", provider_message_id=str(mid) if mid else None)
    errors = item.get("Errors") or []
    codes = [int(e.get("StatusCode") or 400) for e in errors] or [400]
    text = "; ".join(
        f"{e.get('ErrorCode', '')} {e.get('ErrorMessage', '')}".strip() for e in errors
    )
    temporary = all(is_temporary_status(c) for c in codes)
    return SendResult(False, "mailjet", error=text or "rejected", permanent=not temporary)


class MailjetDistributor:
    name = "mailjet"

    def __init__(
        self,
        api_url: str,
        api_key: str,
        api_secret: str,
        *,
        sandbox: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self._url = api_url.rstrip("/") + "/v3.1/send"
        self._sandbox = sandbox
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(api_key, api_secret),
            timeout=timeout,
            headers={"User-Agent": "herald"},
        )

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        return (await self.send_bulk([message]))[0]

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for start in range(0, len(messages), MAX_MESSAGES_PER_CALL):
            results.extend(await self._call(messages[start : start + MAX_MESSAGES_PER_CALL]))
        return results

    async def _call(self, batch: list[OutgoingMessage]) -> list[SendResult]:
        body = {"SandboxMode": self._sandbox, "Messages": [message_payload(m) for m in batch]}
        try:
            response = await self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            text = f"{type(exc).__name__}: {exc}"
            return [SendResult(False, self.name, error=text) for _ in batch]
        status = response.status_code
        data: Any = None
        try:
            data = response.json()
        except ValueError:
            data = None
        items = data.get("Messages") if isinstance(data, dict) else None
        if status in (200, 400) and isinstance(items, list) and len(items) == len(batch):
            return [_message_result(item) for item in items]
        text = f"HTTP {status}: {response.text[:300]}"
        if is_temporary_status(status):
            wait = retry_after_seconds(response.headers.get("retry-after"))
            return [SendResult(False, self.name, error=text, retry_after=wait) for _ in batch]
        return [SendResult(False, self.name, error=text, permanent=True) for _ in batch]

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []  # event ingestion: herald.delivery.webhooks (authenticated) + feedback

    async def close(self) -> None:
        await self._client.aclose()
