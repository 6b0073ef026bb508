"""Map typed domain errors to HTTP answers. The domain never sees HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from herald.kit.errors import (
    CaptchaFailed,
    Conflict,
    HeraldError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
    Unauthenticated,
    ValidationFailed,
)

STATUS: list[tuple[type[HeraldError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (ValidationFailed, 422),
    (PermissionDenied, 403),
    (Unauthenticated, 401),
    (RateLimited, 429),
    (TokenInvalid, 400),
    (CaptchaFailed, 400),
]


def status_for(exc: HeraldError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


async def herald_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HeraldError)
    status = status_for(exc)
    body: dict[str, object] = {"detail": exc.message, "code": exc.code}
    for key in ("field", "problems", "line", "column"):
        if exc.details.get(key) is not None:
            body[key] = exc.details[key]
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HeraldError, herald_error_handler)
