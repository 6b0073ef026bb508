"""Headless Debian Chromium driven by Playwright, for tests that need a real browser engine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")


def chromium_path() -> str:
    """The browser binary, or a skip (a failure when HERALD_REQUIRE_BROWSER is set)."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        message = f"Chromium is not installed ({CHROMIUM}); `make system-deps` installs it"
        if os.environ.get("HERALD_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()
