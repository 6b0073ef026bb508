"""Open pixel and click redirect: the hot path.

Both answer without touching the database in the common case (the recorder buffers events and
caches link destinations). The pixel is always the same 1×1 PNG whatever the token — no oracle.
A click redirects only to the destination stored for the token's link; a bad token, an unknown
link or a ``url`` parameter that is not that destination gets a 404.

These two are plain Starlette routes placed ahead of every other route, not FastAPI endpoints:
FastAPI's per-request dependency and parameter machinery cost more than everything the pixel
itself does, and these paths take one request per recipient per open or click. The OpenAPI
document still describes them (``openapi_paths``).
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from herald.runtime import Runtime
from herald.web.deps import client_ip_of, runtime_of

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
_NO_STORE = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"}
MAX_TOKEN = 256
OPEN_PATH = "/public/newsletter/open/{token}.png"
CLICK_PATH = "/public/newsletter/click/{token}"


def _who(request: Request) -> tuple[Runtime, str, str | None]:
    rt = runtime_of(request)
    return rt, client_ip_of(request, rt), request.headers.get("user-agent")


async def open_pixel(request: Request) -> Response:
    token: str = request.path_params["token"]
    if len(token) <= MAX_TOKEN:
        rt, ip, user_agent = _who(request)
        rt.recorder().open(token, ip, user_agent)
    return Response(PIXEL, media_type="image/png", headers=_NO_STORE)


async def click(request: Request) -> Response:
    token: str = request.path_params["token"]
    destination = None
    if len(token) <= MAX_TOKEN:
        rt, ip, user_agent = _who(request)
        expect = request.query_params.get("url")
        destination = await rt.recorder().click(token, ip, user_agent, expect=expect)
    if destination is None:
        return Response(
            "This link is not valid.", status_code=404, media_type="text/plain", headers=_NO_STORE
        )
    return RedirectResponse(destination, status_code=302, headers=_NO_STORE)


routes = [
    Route(OPEN_PATH, open_pixel, methods=["GET"], name="tracking_open"),
    Route(CLICK_PATH, click, methods=["GET"], name="tracking_click"),
]


def _token_param() -> dict[str, Any]:
    return {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}


def openapi_paths() -> dict[str, Any]:
    """The two routes as OpenAPI path items (they are not FastAPI endpoints)."""
    tags = ["public: tracking"]
    return {
        OPEN_PATH: {
            "get": {
                "tags": tags,
                "summary": "Open pixel",
                "description": "Always a 1×1 PNG; records an open only for a valid token.",
                "operationId": "tracking_open",
                "parameters": [_token_param()],
                "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}},
            }
        },
        CLICK_PATH: {
            "get": {
                "tags": tags,
                "summary": "Tracked link",
                "description": "302 to the destination stored for the token's link, else 404.",
                "operationId": "tracking_click",
                "parameters": [
                    _token_param(),
                    {"name": "url", "in": "query", "required": False, "schema": {"type": "string"}},
                ],
                "responses": {
                    "302": {"description": "redirect to the stored destination"},
                    "404": {"description": "invalid token, unknown link or foreign url"},
                },
            }
        },
    }
