"""Server-rendered public pages (confirmation, preference centre, unsubscribe) in four languages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from herald.kit.i18n import LANGUAGES, translate

LANGUAGE_NAMES = {"en": "English", "sv": "Svenska", "fr": "Français", "es": "Español"}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("herald.web.public", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
    )


def render_page(
    template: str,
    lang: str,
    status: int = 200,
    lang_links: list[tuple[str, str]] | None = None,
    **context: Any,
) -> HTMLResponse:
    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    html = (
        _env().get_template(template).render(lang=lang, t=t, lang_links=lang_links or [], **context)
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def invalid_link_page(lang: str) -> HTMLResponse:
    return render_page(
        "message.html",
        lang,
        status=400,
        title=translate(lang, "public.invalid.title"),
        body=translate(lang, "public.invalid.body"),
        role="alert",
        items=None,
        items_label="",
        link=None,
        link_text="",
    )


def language_options() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
