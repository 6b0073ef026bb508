"""Browser tests' plumbing: a real ``herald serve`` on a free loopback port, Debian's chromium
driven by Playwright, and axe-core for accessibility.

Browser tests skip (with the reason) when chromium or the built console is missing, unless
``HERALD_REQUIRE_BROWSER`` is set (CI sets it): then they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from herald.accounts.service import create_operator, create_tenant
from herald.kit.db import transaction
from herald.kit.settings import Settings
from herald.runtime import build_runtime
from tests.conftest import SYS_PASSWORD, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium"))
CONSOLE_INDEX = ROOT / "src" / "herald" / "web" / "console_dist" / "index.html"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SYS_EMAIL = "root@herald.example"
BLOCKING = {"serious", "critical"}


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"chromium is not installed at {CHROMIUM} (bash scripts/system-deps.sh)"
    if not CONSOLE_INDEX.exists():
        return "the console is not built (make console)"
    if not AXE.exists():
        return "frontend/node_modules/axe-core is missing (make console installs it)"
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("HERALD_REQUIRE_BROWSER"):
        pytest.fail(f"HERALD_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database_url: str
    data_dir: Path
    log: Path

    def settings(self) -> Settings:
        return Settings(
            database_url=self.database_url,
            data_dir=self.data_dir,
            secret_key=TEST_SECRET,
            base_url=self.url,
            log_format="console",
        )

    async def setup(self, *, tenants: tuple[str, ...] = ()) -> None:
        """A sys operator, and for each tenant slug the tenant and its admin (same password)."""
        rt = build_runtime(self.settings())
        try:
            async with transaction(rt.sessions) as session:
                await create_operator(session, SYS_EMAIL, SYS_PASSWORD, "sys")
                for slug in tenants:
                    await create_tenant(
                        session, slug, slug.title(), postal_address="1 Main St, Springfield"
                    )
                    await create_operator(
                        session,
                        f"admin@{slug}.example",
                        SYS_PASSWORD,
                        "tenant_admin",
                        tenant_slug=slug,
                    )
        finally:
            await rt.close()


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    require_browser()
    port = free_port()
    server = LiveServer(
        url=f"http://127.0.0.1:{port}",
        database_url=db_url,
        data_dir=tmp_path / "data",
        log=tmp_path / "serve.log",
    )
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": db_url,
        "HERALD_DATA_DIR": str(server.data_dir),
        "HERALD_SECRET_KEY": TEST_SECRET,
        "HERALD_BASE_URL": server.url,
        "HERALD_DISTRIBUTORS": "null",
        "HERALD_LOG_FORMAT": "console",
        "HERALD_WORKER_POLL_SECONDS": "0.1",
    }
    herald = shutil.which("herald", path=str(Path(sys.executable).parent)) or "herald"
    with server.log.open("wb") as log:
        proc = subprocess.Popen(
            [herald, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(server.url + "/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("herald serve did not start:\n" + server.log.read_text())
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        instance = await p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield instance
        finally:
            await instance.close()


async def new_page(browser: Any, server: LiveServer, *, width: int = 1280) -> Any:
    # bypass_csp lets the test inject axe-core; the app itself runs under Herald's CSP.
    context = await browser.new_context(
        viewport={"width": width, "height": 900},
        bypass_csp=True,
        locale="en-GB",
        reduced_motion="reduce",
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


async def sign_in(page: Any, server: LiveServer, email: str, password: str = SYS_PASSWORD) -> None:
    await page.goto(server.url + "/console/")
    await page.get_by_label("Email address").fill(email)
    await page.locator("input[autocomplete=current-password]").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Overview", level=1).wait_for()


SCREENSHOTS = ROOT / "test-artifacts" / "console"


async def csrf_token(page: Any) -> str:
    """The signed-in page's CSRF token, as the console reads it for its own requests."""
    token: str = await page.evaluate(
        "async () => (await (await fetch('/console/api/session')).json()).csrf_token"
    )
    return token


async def screenshot(page: Any, screen: str) -> Path:
    """A full-page PNG of the screen for reviewers, in test-artifacts/console/ (not in git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", screen.lower()).strip("-") or "screen"
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def assert_accessible(page: Any, screen: str) -> None:
    """axe-core on the page at rest (pointer parked, not hovering anything): no serious or
    critical violation. Every screen checked is also kept as a screenshot."""
    await page.mouse.move(1, 1)
    await screenshot(page, screen)
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    blocking = [v for v in result if v["impact"] in BLOCKING]
    assert not blocking, f"{screen}: " + json.dumps(blocking, indent=1)


# Records Content-Security-Policy violations in the page (``window.__csp``) before any script.
CSP_HOOK = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


async def strict_page(browser: Any, server: LiveServer, *, width: int = 1280) -> Any:
    """A page under Herald's real CSP (no bypass, unlike ``new_page``) that records CSP
    violations (events, and console reports, which also cover frames), page errors, console
    errors and every request that leaves Herald's origin; ``assert_clean`` checks them."""
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, locale="en-GB", reduced_motion="reduce"
    )
    context.set_default_timeout(20_000)
    await context.add_init_script(CSP_HOOK)
    page = await context.new_page()
    page.errors = []
    page.console_errors = []
    page.csp_console = []
    page.foreign = []
    page.requests = []  # every URL asked for, data: and blob: included
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def on_request(request: Any) -> None:
        page.requests.append(request.url)
        if not request.url.startswith((server.url + "/", "data:", "blob:", "about:")):
            page.foreign.append(request.url)

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            page.csp_console.append(message.text)
        elif message.type == "error":
            page.console_errors.append(message.text)

    context.on("request", on_request)
    page.on("console", on_console)
    return page


async def assert_clean(page: Any, *, expected: tuple[str, ...] = ("status of 401",)) -> None:
    """No CSP violation, page error, request beyond Herald's origin, or console error but the
    ``expected`` ones (by default the signed-out session check's 401 before signing in)."""
    violations = await page.evaluate("window.__csp")
    assert not violations, violations
    assert not page.csp_console, page.csp_console
    assert not page.foreign, page.foreign
    assert not page.errors, page.errors
    unexpected = [m for m in page.console_errors if not any(e in m for e in expected)]
    assert not unexpected, unexpected
