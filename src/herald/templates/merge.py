"""From a template's cached HTML/text to a compiled, slotted pair, and the merge context.

Prepared once per campaign (or preview): link slots, the footer and open-pixel insertion points,
then Jinja compilation. Per recipient only :meth:`Prepared.render` runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from herald.templates import sandbox
from herald.templates.links import slot_links

_BODY_END = re.compile(r"</body>", re.IGNORECASE)
FOOTER_SLOT = "{{ _footer_html }}{{ _pixel }}"


@dataclass(frozen=True, slots=True)
class Prepared:
    compiled: sandbox.Compiled
    urls: list[str]

    def render(
        self,
        context: Mapping[str, Any],
        *,
        link: Callable[[int], str] | None = None,
        footer_html: str = "",
        footer_text: str = "",
        pixel_url: str | None = None,
    ) -> tuple[str, str]:
        urls = self.urls
        ctx = dict(context)
        ctx["_link"] = link or (lambda n: urls[n - 1])
        ctx["_footer_html"] = Markup(footer_html)  # noqa: S704 - built with escaping by Herald
        ctx["_footer_text"] = footer_text
        ctx["_pixel"] = (
            Markup(
                '<img src="{}" width="1" height="1" alt="" '
                'style="display:block;height:1px;width:1px;border:0" />'
            ).format(pixel_url)
            if pixel_url
            else ""
        )
        html = sandbox.render(self.compiled.html, ctx)
        text = sandbox.render(self.compiled.text, ctx)
        return html, text


def prepare(html: str, text: str) -> Prepared:
    slotted = slot_links(html, text)
    body = slotted.html
    if _BODY_END.search(body):
        body = _BODY_END.sub(lambda _m: FOOTER_SLOT + "</body>", body, count=1)
    else:
        body += FOOTER_SLOT
    text_part = slotted.text.rstrip("\n") + "{{ _footer_text }}"
    return Prepared(sandbox.compile_pair(body, text_part), slotted.urls)


def first_name(name: str | None) -> str | None:
    if not name:
        return None
    parts = name.strip().split()
    return parts[0] if parts else None


def build_context(
    *,
    subscriber: Mapping[str, Any],
    list_: Mapping[str, Any] | None,
    tenant: Mapping[str, Any] | None,
    campaign: Mapping[str, Any],
    merge_data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables a template sees. ``data`` is the campaign's merge data overlaid with the
    subscriber's own attributes; ``_facts`` drive ``content_block`` variant choice."""
    attributes = subscriber.get("attributes") or {}
    data = {**(merge_data or {}), **attributes}
    name = subscriber.get("name")
    sub = {
        "id": subscriber.get("id"),
        "email": subscriber.get("email"),
        "name": name,
        "first_name": first_name(name),
        "last_name": (name.strip().split()[-1] if name and len(name.split()) > 1 else None),
        "language": subscriber.get("language") or "en",
        "country": subscriber.get("country"),
        "timezone": subscriber.get("timezone"),
        "attributes": attributes,
    }
    lst = {"name": (list_ or {}).get("name"), "slug": (list_ or {}).get("slug")}
    ten = {"name": (tenant or {}).get("name"), "slug": (tenant or {}).get("slug")}
    facts = {
        **{k: v for k, v in data.items() if isinstance(v, str | int | float | bool)},
        "language": sub["language"],
        "country": sub["country"],
        "tenant": ten["slug"],
        "list": lst["slug"],
    }
    return {
        "subscriber": sub,
        "list": lst,
        "tenant": ten,
        "campaign": dict(campaign),
        "data": data,
        "_facts": facts,
    }
