"""The baseline for bench.tracking: a bare FastAPI app answering the same 1×1 PNG with the same
headers on the same paths, with no token check and no recording. Served by the same uvicorn."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.responses import RedirectResponse

from herald.web.public.tracking import _NO_STORE, PIXEL

app = FastAPI()


@app.get("/public/newsletter/open/{token}.png")
async def open_pixel(token: str) -> Response:
    return Response(PIXEL, media_type="image/png", headers=_NO_STORE)


@app.get("/public/newsletter/click/{token}")
async def click(token: str) -> Response:
    return RedirectResponse("https://example.com/spring", status_code=302, headers=_NO_STORE)
