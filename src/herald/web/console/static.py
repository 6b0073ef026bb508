"""/console: the operator console's built single-page app (``herald/web/console_dist``).

Hashed files under ``assets/`` are cached for a year (``immutable``); ``index.html`` is never
cached, so a new release is picked up on the next load. Every other path under ``/console/``
that is not a file answers ``index.html`` (the app routes in the browser). A strict Content
Security Policy: scripts only from Herald itself, no remote anything.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from herald.kit.settings import Settings
from herald.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
IMMUTABLE = "public, max-age=31536000, immutable"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herald console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>The Herald console is not built</h1>
<p>This Herald was installed without its operator console. Build it with
<code>make console</code> (or <code>bash scripts/build-console.sh</code>; it needs Node.js 20
and npm), then reload this page.</p>
<p>The API works without it: <a href="/openapi.json">/openapi.json</a>.
Signup forms: <a href="/signup">/signup</a>.</p>
</body></html>"""


def dist_dir(settings: Settings) -> Path:
    if settings.console_dir is not None:
        return settings.console_dir
    return Path(str(resources.files("herald.web").joinpath("console_dist")))


def _index(root: Path) -> Response:
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    return FileResponse(
        index,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache", **SECURITY_HEADERS},
    )


@router.get("/console")
async def console_root() -> Response:
    return RedirectResponse("/console/", status_code=307)


@router.get("/console/{path:path}")
async def console(path: str, rt: RuntimeDep) -> Response:
    if path == "api" or path.startswith("api/"):
        return JSONResponse({"detail": "not found", "code": "not_found"}, status_code=404)
    root = dist_dir(rt.settings)
    if path and ".." not in path.split("/"):
        candidate = (root / path).resolve()
        if candidate.is_file() and candidate.is_relative_to(root.resolve()):
            hashed = path.startswith("assets/")
            return FileResponse(
                candidate,
                headers={
                    "Cache-Control": IMMUTABLE if hashed else "no-cache",
                    **SECURITY_HEADERS,
                },
            )
        if path.startswith("assets/"):  # an old hashed file: a 404, not the app
            return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return _index(root)
