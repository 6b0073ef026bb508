"""A plain-text alternative derived from email HTML.

Written on the standard library's tokenizer because the job is small and specific: keep the
reading order, turn blocks into paragraphs, keep link targets (``label: url``), drop styles,
scripts, the preheader and tracking images, and keep Jinja merge tags as they are so the text
part is merged like the HTML part (well-known converters are GPL-licensed or mangle ``{{ }}``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "section"}
)
_SKIP = frozenset({"style", "script", "head", "title"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.hidden = 0
        self.href: str | None = None
        self.label: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SKIP:
            self.skip += 1
        elif self.hidden or "display:none" in (a.get("style") or "").replace(" ", ""):
            self.hidden += 1
        elif tag == "a":
            self.href = a.get("href")
            self.label = []
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag in _BLOCKS or tag == "td":
            self._emit("\n")
        elif tag == "img" and (alt := a.get("alt")):
            self._emit(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif self.hidden:
            if tag in {"div", "span", "p", "table", "td"}:
                self.hidden -= 1
        elif tag == "a" and self.href is not None:
            label = _SPACES.sub(" ", "".join(self.label)).strip()
            href = self.href
            self.href = None
            if href.startswith(("http", "{{", "mailto:")):
                self.out.append(f"{label}: {href}" if label and label != href else href)
            else:
                self.out.append(label)
        elif tag in _BLOCKS:
            self._emit("\n\n" if tag in {"p", "h1", "h2", "h3", "table"} else "\n")

    def handle_data(self, data: str) -> None:
        if self.skip or self.hidden:
            return
        self._emit(data)

    def _emit(self, text: str) -> None:
        if self.href is not None:
            self.label.append(text)
        else:
            self.out.append(text)


def html_to_text(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    raw = "".join(converter.out)
    lines = [_SPACES.sub(" ", line).strip() for line in raw.splitlines()]
    text = _BLANKS.sub("\n\n", "\n".join(lines)).strip()
    return text + "\n"
