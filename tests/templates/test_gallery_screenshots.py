"""Every gallery template, rendered by Herald's own pipeline, in headless Chromium at 600 and
375 px: it lays out inside the viewport (no sideways scrolling on a phone), shows its content,
asks the network for nothing, and leaves a screenshot in test-artifacts/gallery/ (not in git)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Request

from herald.templates import gallery, merge
from herald.templates.service import render_source
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gallery"
WIDTHS = (600, 375)
CONTEXT = merge.build_context(
    subscriber={"id": 1, "email": "ada@example.com", "name": "Ada Lovelace", "language": "en"},
    list_={"name": "Club news", "slug": "news"},
    tenant={"name": "Northside Chess Club", "slug": "northside"},
    campaign={"subject": "Spring season", "preheader": "What is new this spring"},
)
FOOTER = (
    '<div style="font:12px sans-serif;color:#555;padding:16px;text-align:center">'
    "1 Main St, Springfield · <a href='https://herald.test/p'>Preferences</a> · "
    "<a href='https://herald.test/u'>Unsubscribe</a></div>"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def rendered(key: str) -> str:
    entry = gallery.get(key)
    source = render_source(entry.mjml(), entry.text())
    html, _text = merge.prepare(source.html, source.text).render(CONTEXT, footer_html=FOOTER)
    return html


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("key", [e.key for e in gallery.entries()])
def test_gallery_template_renders_in_chromium(browser: Browser, key: str, width: int) -> None:
    html = rendered(key)
    page = browser.new_page(viewport={"width": width, "height": 900})
    requested: list[str] = []

    def refuse(route_request: Request) -> None:
        requested.append(route_request.url)

    page.on("request", refuse)
    page.route("**/*", lambda route: route.abort())
    try:
        page.set_content(html, wait_until="load")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        body_text = page.inner_text("body")
        widest = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll('body *')]
                 .map(e => e.getBoundingClientRect().right))"""
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(path=str(ARTIFACTS / f"{key}-{width}.png"), full_page=True)
    finally:
        page.close()

    assert requested == [], f"{key} fetched {requested}"
    assert overflow <= width, f"{key} scrolls sideways at {width}px ({overflow}px wide)"
    assert widest <= width + 1, f"{key} has content past {width}px ({widest}px)"
    assert "Ada" in body_text
    assert "Unsubscribe" in body_text
    assert len(body_text.split()) > 30, f"{key} shows almost no text"
    assert len(shot) > 10_000, f"{key} screenshot looks blank ({len(shot)} bytes)"
