"""Loopback servers speaking Mailjet's Send API v3.1 and ACS Email REST (with HMAC auth).

They implement the documented request/response formats (shared/reference/providers.md §2.1,
§2.2), check authentication the way the provider does, and record what they accepted, so tests
drive our real HTTP clients end to end. ``mode`` switches a server into failure behaviours.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAILJET_FORBIDDEN = {
    "from", "sender", "subject", "to", "cc", "bcc", "return-path", "dkim-signature", "date",
    "message-id", "x-mj-customid", "x-feedback-id", "list-id", "x-mailjet-campaign",
}  # fmt: skip


@asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 (an ephemeral port) in this event loop; yield its origin."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="error", lifespan="off", http="h11", ws="none", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        await task
        sock.close()


@dataclass
class FakeMailjet:
    api_key: str = "mj-public"
    api_secret: str = "mj-private"
    mode: str = "ok"  # ok | 500 | hang | 429
    calls: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    sandboxed: list[dict[str, Any]] = field(default_factory=list)
    _seen_campaign: set[tuple[str, str]] = field(default_factory=set)
    _next_id: int = 7065000000000000

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v3.1/send", self.send, methods=["POST"])])

    async def send(self, request: Request) -> Response:
        self.calls += 1
        expected = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        if not hmac.compare_digest(request.headers.get("authorization", ""), f"Basic {expected}"):
            return JSONResponse({"ErrorMessage": "API key authentication/authorization failure",
                                 "StatusCode": 401}, status_code=401)  # fmt: skip
        if self.mode == "500":
            return JSONResponse({"ErrorMessage": "Internal Server Error"}, status_code=500)
        if self.mode == "429":
            return JSONResponse({"ErrorMessage": "Too Many Requests"}, status_code=429)
        if self.mode == "hang":
            await asyncio.sleep(30)
        body = await request.json()
        messages = body.get("Messages") or []
        if not 1 <= len(messages) <= 50:
            return JSONResponse({"ErrorCode": "mj-0003", "StatusCode": 400}, status_code=400)
        out = [self._one(m, bool(body.get("SandboxMode"))) for m in messages]
        failed = any(o["Status"] == "error" for o in out)
        return JSONResponse({"Messages": out}, status_code=400 if failed else 200)

    def _error(self, code: str, message: str, related: list[str]) -> dict[str, Any]:
        return {"Status": "error", "Errors": [{"ErrorIdentifier": str(uuid.uuid4()),
                "ErrorCode": code, "StatusCode": 400, "ErrorMessage": message,
                "ErrorRelatedTo": related}]}  # fmt: skip

    def _one(self, m: dict[str, Any], sandbox: bool) -> dict[str, Any]:
        to = m.get("To") or []
        if not to or len(to) > 50 or not m.get("From", {}).get("Email"):
            return self._error("send-0003", "At least one recipient is required", ["To"])
        if len(m.get("Subject", "")) > 255:
            return self._error("mj-0006", "Subject too long", ["Subject"])
        bad = [h for h in (m.get("Headers") or {}) if h.lower() in MAILJET_FORBIDDEN]
        if bad:
            return self._error("send-0011", "Header can not be customized", bad)
        if m.get("DeduplicateCampaign") and not m.get("CustomCampaign"):
            return self._error("send-0012", "DeduplicateCampaign needs CustomCampaign", [])
        email = to[0]["Email"]
        if email.endswith("@invalid.example"):
            return self._error("mj-0013", f'"{email}" is an invalid email address.', ["To"])
        self._next_id += 1
        result = {"Status": "success", "CustomID": m.get("CustomID", ""),
                  "To": [{"Email": email, "MessageUUID": str(uuid.uuid4()),
                          "MessageID": self._next_id,
                          "MessageHref": f"https://api.example/v3/REST/message/{self._next_id}"}],
                  "Cc": [], "Bcc": []}  # fmt: skip
        if sandbox:
            self.sandboxed.append(m)
            return result
        dedupe = (m.get("CustomCampaign", ""), email.lower())
        if m.get("DeduplicateCampaign") and dedupe in self._seen_campaign:
            self.blocked.append(m)  # Mailjet answers success and emits "duplicate in campaign"
            return result
        if m.get("DeduplicateCampaign"):
            self._seen_campaign.add(dedupe)
        self.delivered.append(m)
        return result


@dataclass
class FakeAcs:
    access_key: str = field(default_factory=lambda: base64.b64encode(b"k" * 32).decode())
    mode: str = "ok"  # ok | 500 | hang | 429-once | fail-operations
    calls: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    auth_failures: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/emails:send", self.send, methods=["POST"]),
                Route("/emails/operations/{op}", self.status, methods=["GET"]),
            ]
        )

    async def _authorised(self, request: Request, body: bytes) -> bool:
        headers = request.headers
        content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("x-ms-content-sha256") != content_hash or not headers.get("x-ms-date"):
            return False
        path_and_query = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        to_sign = (
            f"{request.method}\n{path_and_query}\n"
            f"{headers['x-ms-date']};{headers.get('host', '')};{content_hash}"
        )
        signature = base64.b64encode(
            hmac.new(base64.b64decode(self.access_key), to_sign.encode(), hashlib.sha256).digest()
        ).decode()
        expected = (
            f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        )
        return hmac.compare_digest(headers.get("authorization", ""), expected)

    async def send(self, request: Request) -> Response:
        self.calls += 1
        body = await request.body()
        if request.query_params.get("api-version") != "2023-03-31":
            return JSONResponse({"error": {"code": "BadRequest"}}, status_code=400)
        if not await self._authorised(request, body):
            self.auth_failures += 1
            return JSONResponse({"error": {"code": "Denied", "message": "bad hmac"}}, 401)
        if self.mode == "500":
            return JSONResponse({"error": {"code": "InternalError"}}, status_code=503)
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "429-once":
            self.mode = "ok"
            return JSONResponse({"error": {"code": "TooManyRequests"}}, status_code=429,
                                headers={"retry-after": "0"})  # fmt: skip
        import json

        payload = json.loads(body)
        for key in ("senderAddress", "recipients", "content"):
            if key not in payload:
                return JSONResponse({"error": {"code": "InvalidRequest", "message": key}}, 400)
        if not payload["content"].get("subject"):
            return JSONResponse({"error": {"code": "InvalidRequest", "message": "subject"}}, 400)
        op = request.headers.get("operation-id") or str(uuid.uuid4())
        if op not in self.operations:  # the caller's Operation-Id makes the send idempotent
            failed = self.mode == "fail-operations"
            self.operations[op] = {"id": op, "status": "Failed" if failed else "Succeeded"}
            if failed:
                self.operations[op]["error"] = {"code": "Rejected", "message": "no route"}
            else:
                self.delivered.append(payload)
        location = f"{request.base_url}emails/operations/{op}?api-version=2023-03-31"
        headers = {"Operation-Location": location, "retry-after": "1"}
        return JSONResponse({"id": op, "status": "Running"}, status_code=202, headers=headers)

    async def status(self, request: Request) -> Response:
        if not await self._authorised(request, b""):
            return JSONResponse({"error": {"code": "Denied"}}, status_code=401)
        op = self.operations.get(request.path_params["op"])
        if op is None:
            return JSONResponse({"error": {"code": "NotFound"}}, status_code=404)
        return JSONResponse(op)
