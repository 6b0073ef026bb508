"""The ``acs`` distributor: Azure Communication Services Email REST, HMAC-SHA256 signed.

``POST {endpoint}/emails:send?api-version=2023-03-31`` with a deterministic ``Operation-Id``
(uuid5 of our message key) so a retried send names the same operation. 202 answers carry
``Operation-Location``; with ``poll_seconds`` the adapter follows the operation to Succeeded /
Failed, otherwise the 202 is the acceptance. 429 honours ``retry-after`` (one in-call wait up to
``max_retry_wait``; longer waits are handed back as a temporary result).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import httpx

from herald.delivery import ids
from herald.delivery.message import OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.policy import message_key
from herald.delivery.providers.common import (
    custom_headers,
    is_temporary_status,
    retry_after_seconds,
)

API_VERSION = "2023-03-31"
FORBIDDEN_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "mime-version"}
)


def sign_request(
    method: str, url: str, body: bytes, access_key: str, *, date: str | None = None
) -> dict[str, str]:
    """The ACS HMAC headers: x-ms-date, x-ms-content-sha256, host and Authorization."""
    parts = urlsplit(url)
    path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
    moment = date or formatdate(usegmt=True)
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    host = parts.netloc
    to_sign = f"{method.upper()}\n{path_and_query}\n{moment};{host};{content_hash}"
    signature = base64.b64encode(
        hmac.new(base64.b64decode(access_key), to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "x-ms-date": moment,
        "x-ms-content-sha256": content_hash,
        "host": host,
        "Authorization": (
            f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        ),
    }


def operation_id_for(message: OutgoingMessage) -> str:
    key = message_key(message)
    if key is not None:
        return str(ids.operation_id(key))
    if message.message_id:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "herald:" + message.message_id))
    return str(uuid.uuid4())


def email_payload(message: OutgoingMessage) -> dict[str, Any]:
    to: dict[str, str] = {"address": message.recipient}
    if message.recipient_name:
        to["displayName"] = message.recipient_name
    content: dict[str, str] = {"subject": message.subject, "plainText": message.text}
    if message.html is not None:
        content["html"] = message.html
    headers = custom_headers(message, FORBIDDEN_HEADERS)
    if message.message_id:
        # ACS keeps its own Message-ID; ours travels so feedback can map replies and bounces.
        headers["X-Herald-Message-ID"] = message.message_id
    payload: dict[str, Any] = {
        "senderAddress": message.sender,
        "recipients": {"to": [to]},
        "content": content,
        # Herald tracks marketing mail itself and never tracks transactional mail.
        "userEngagementTrackingDisabled": True,
    }
    if headers:
        payload["headers"] = headers
    if message.reply_to:
        payload["replyTo"] = [{"address": message.reply_to}]
    return payload


class AcsDistributor:
    name = "acs"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        *,
        timeout: float = 30.0,
        concurrency: int = 8,
        poll_seconds: float = 0.0,
        poll_interval: float = 1.0,
        max_retry_wait: float = 5.0,
    ) -> None:
        base64.b64decode(access_key, validate=True)  # fail at start-up, not per message
        self._endpoint = endpoint.rstrip("/")
        self._key = access_key
        self._client = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": "herald"})
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._poll_seconds = poll_seconds
        self._poll_interval = poll_interval
        self._max_retry_wait = max_retry_wait

    async def _request(
        self, method: str, url: str, body: bytes, extra: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = sign_request(method, url, body, self._key)
        headers.pop("host")  # httpx sends the same Host itself
        headers.update(extra or {})
        if body:
            headers["Content-Type"] = "application/json"
        return await self._client.request(method, url, content=body, headers=headers)

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        async with self._limit:
            return await self._send(message)

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        return list(await asyncio.gather(*(self.send_transactional(m) for m in messages)))

    async def _send(self, message: OutgoingMessage) -> SendResult:
        op_id = operation_id_for(message)
        url = f"{self._endpoint}/emails:send?api-version={API_VERSION}"
        body = json.dumps(email_payload(message), separators=(",", ":")).encode()
        extra = {"Operation-Id": op_id, "x-ms-client-request-id": op_id}
        waited = False
        while True:
            try:
                response = await self._request("POST", url, body, extra)
            except httpx.HTTPError as exc:
                return SendResult(False, self.name, error=f"{type(exc).__name__}: {exc}")
            status = response.status_code
            if status == 429 and not waited:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if wait is not None and wait <= self._max_retry_wait:
                    waited = True
                    await asyncio.sleep(wait)
                    continue
            break
        if status == 202:
            if self._poll_seconds > 0:
                return await self._follow(op_id, response.headers.get("operation-location"))
            return SendResult(True, self.name, provider_message_id=op_id)
        error = _error_text(response)
        if is_temporary_status(status):
            wait = retry_after_seconds(response.headers.get("retry-after"))
            return SendResult(False, self.name, error=error, retry_after=wait)
        return SendResult(False, self.name, error=error, permanent=True)

    async def operation_status(self, op_id: str, location: str | None = None) -> dict[str, Any]:
        url = location or f"{self._endpoint}/emails/operations/{op_id}?api-version={API_VERSION}"
        response = await self._request("GET", url, b"")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    async def _follow(self, op_id: str, location: str | None) -> SendResult:
        deadline = time.monotonic() + self._poll_seconds
        status = "Running"
        while True:
            try:
                data = await self.operation_status(op_id, location)
            except (httpx.HTTPError, ValueError):
                # The send was accepted (202); an unreadable status does not un-accept it.
                return SendResult(True, self.name, provider_message_id=op_id)
            status = str(data.get("status", ""))
            if status == "Succeeded":
                return SendResult(True, self.name, provider_message_id=op_id)
            if status in ("Failed", "Canceled"):
                err = data.get("error") or {}
                text = f"{status}: {err.get('code', '')} {err.get('message', '')}".strip()
                return SendResult(False, self.name, error=text, permanent=True)
            if time.monotonic() >= deadline:
                return SendResult(True, self.name, provider_message_id=op_id)
            await asyncio.sleep(self._poll_interval)

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []  # Event Grid ingestion: herald.delivery.webhooks + feedback

    async def close(self) -> None:
        await self._client.aclose()


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
        err = data.get("error") or {}
        return f"HTTP {response.status_code}: {err.get('code', '')} {err.get('message', '')}"
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}: {response.text[:300]}"
