"""Fixtures for the console's browser tests (see tests/console/browser.py)."""

from tests.console.browser import browser, live_server

__all__ = ["browser", "live_server"]
