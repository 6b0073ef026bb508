"""Open pixel and click redirect: the hot path.

Both answer without touching the database in the common case (the recorder buffers events and
caches link destinations). The pixel is always the same 1×1 PNG whatever the token — no oracle.
A click redirects only to the destination stored for the token's link; a bad token, an unknown
link or a ``url`` parameter that is not that destination gets a 404.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from herald.web.deps import ClientIP, RuntimeDep

router = APIRouter(tags=["public: tracking"])

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
_NO_STORE = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"}
MAX_TOKEN = 256


@router.get("/public/newsletter/open/{token}.png", include_in_schema=True)
async def open_pixel(token: str, request: Request, rt: RuntimeDep, ip: ClientIP) -> Response:
    if len(token) <= MAX_TOKEN:
        rt.recorder().open(token, ip, request.headers.get("user-agent"))
    return Response(PIXEL, media_type="image/png", headers=_NO_STORE)


@router.get("/public/newsletter/click/{token}", response_model=None)
async def click(
    token: str, request: Request, rt: RuntimeDep, ip: ClientIP, url: str | None = None
) -> Response:
    destination = None
    if len(token) <= MAX_TOKEN:
        destination = await rt.recorder().click(
            token, ip, request.headers.get("user-agent"), expect=url
        )
    if destination is None:
        return Response(
            "This link is not valid.", status_code=404, media_type="text/plain", headers=_NO_STORE
        )
    return RedirectResponse(destination, status_code=302, headers=_NO_STORE)
