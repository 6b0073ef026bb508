"""/console serves the built app: long-cached hashed assets, an uncached index, SPA fallback,
a strict CSP, and a clear message when the console was never built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from herald.runtime import Runtime

ASSET = "assets/index-3f2a1b9c.js"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    root = tmp_path / "console"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Herald</title><div id=root></div>")
    (root / ASSET).write_text("console.log('herald')")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return {"console_dir": root}


async def test_console_files_caching_and_fallback(
    db_kind: str, app_client: httpx.AsyncClient
) -> None:
    r = await app_client.get("/")
    assert (r.status_code, r.headers["location"]) == (307, "/console/")
    r = await app_client.get("/console")
    assert (r.status_code, r.headers["location"]) == (307, "/console/")
    r = await app_client.get("/console/")
    assert r.status_code == 200
    assert "<div id=root>" in r.text
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # nothing remote
    r = await app_client.get(f"/console/{ASSET}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    r = await app_client.get("/console/favicon.svg")
    assert r.headers["cache-control"] == "no-cache"
    # Client-side routes get the app; missing hashed files and API paths do not.
    r = await app_client.get("/console/subscribers/42")
    assert r.status_code == 200
    assert "<div id=root>" in r.text
    assert (await app_client.get("/console/assets/gone-00000000.js")).status_code == 404
    assert (await app_client.get("/console/api/nothing-here")).status_code == 404
    for probe in (
        "/console/../secret.txt",
        "/console/%2e%2e/secret.txt",
        "/console/..%2fsecret.txt",
    ):
        r = await app_client.get(probe)
        assert "not for the web" not in r.text, probe


async def test_unbuilt_console_says_how_to_build_it(
    db_kind: str, app_client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    runtime.settings.console_dir = tmp_path / "nowhere"
    r = await app_client.get("/console/")
    assert r.status_code == 503
    assert "make console" in r.text
