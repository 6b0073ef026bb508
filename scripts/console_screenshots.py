"""Screenshots of the console on the demo data, for the README (docs/images/).

    .venv/bin/python scripts/console_screenshots.py

Starts a throwaway Herald (SQLite in a temporary directory, seeded like `make demo`), lets the
embedded worker send part of the demo newsletter, signs in as the demo admin in Debian's
chromium (Playwright) and saves a few screens. Needs the built console (`make console`).
The browser tests produce screenshots of every screen in test-artifacts/console/ on each run;
this script only refreshes the handful the README shows.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERALD = str(Path(sys.executable).parent / "herald")
OUT = ROOT / "docs" / "images"
LOGIN = ("admin@herald.example", "herald-demo-password")
TENANT = "nordic-chess"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api(base: str, token: str, path: str) -> Any:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


async def shoot(base: str, token: str) -> None:
    from playwright.async_api import async_playwright

    campaigns = api(base, token, f"/sys/newsletter/campaigns?tenant={TENANT}")["items"]
    segments = api(base, token, f"/sys/newsletter/segments?tenant={TENANT}")["items"]
    templates = api(base, token, "/sys/newsletter/templates")["items"]
    sending = next(c for c in campaigns if c["status"] in ("sending", "sent", "scheduled"))
    shots = [
        ("overview", "/console/", "Overview"),
        ("campaign", f"/console/campaigns/{sending['id']}", None),
        ("segment-builder", f"/console/segments/{segments[0]['id']}", None),
        ("template-editor", f"/console/templates/{templates[0]['id']}", None),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
        await page.goto(base + "/console/")
        await page.evaluate(f"localStorage.setItem('herald.console.tenant', '{TENANT}')")
        await page.get_by_label("Email address").fill(LOGIN[0])
        await page.locator("input[autocomplete=current-password]").fill(LOGIN[1])
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Overview", level=1).wait_for()
        for name, path, heading in shots:
            await page.goto(base + path)
            if heading:
                await page.get_by_role("heading", name=heading, level=1).wait_for()
            await page.wait_for_load_state("networkidle")
            await page.wait_for_timeout(1500)  # charts animate, previews render
            await page.mouse.move(1, 1)
            await page.screenshot(path=str(OUT / f"console-{name}.png"))
            print("wrote", OUT / f"console-{name}.png")
        await browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HERALD_DATA_DIR": tmp,
            "HERALD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/herald.db",
            "HERALD_LOG_FORMAT": "console",
        }
        subprocess.run([HERALD, "db", "upgrade"], env=env, check=True, capture_output=True)
        seeded = subprocess.run(
            [HERALD, "seed"], env=env, check=True, capture_output=True, text=True
        ).stdout
        token = next(line.split(": ", 1)[1] for line in seeded.splitlines() if "token" in line)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(tmp) / "serve.log", "w") as log:
            server = subprocess.Popen(
                [HERALD, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                for _ in range(150):
                    try:
                        urllib.request.urlopen(base + "/healthz", timeout=1)
                        break
                    except OSError:
                        time.sleep(0.2)
                time.sleep(20)  # the worker sends the first part of the demo newsletter
                asyncio.run(shoot(base, token))
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
