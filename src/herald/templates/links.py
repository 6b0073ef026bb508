"""Link slots: every static http(s) link of a campaign becomes a numbered slot.

The stored URL of a slot is the only place a click may redirect to. Slots are numbered in
document order (each occurrence its own slot, so a heatmap can tell two identical links apart);
hrefs that contain merge tags are left untracked because their destination differs per recipient
and is not stored server-side.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

_HREF = re.compile(r'(<a\b[^>]*?\bhref=")(https?://[^"{}]+)(")', re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>\"{}]+")
MAX_URL = 2048
SLOT = "{{ _link(%d) }}"


@dataclass(frozen=True, slots=True)
class Slotted:
    html: str
    text: str
    urls: list[str]


def slot_links(html: str, text: str) -> Slotted:
    urls: list[str] = []
    first_slot: dict[str, int] = {}

    def html_sub(m: re.Match[str]) -> str:
        url = htmllib.unescape(m.group(2))
        if len(url) > MAX_URL:
            return m.group(0)
        urls.append(url)
        first_slot.setdefault(url, len(urls))
        return f"{m.group(1)}{SLOT % len(urls)}{m.group(3)}"

    slotted_html = _HREF.sub(html_sub, html)

    def text_sub(m: re.Match[str]) -> str:
        url = m.group(0).rstrip(".,;:!?)")
        tail = m.group(0)[len(url) :]
        slot = first_slot.get(url)
        if slot is None:
            if len(url) > MAX_URL:
                return m.group(0)
            urls.append(url)
            slot = first_slot[url] = len(urls)
        return SLOT % slot + tail

    return Slotted(slotted_html, _TEXT_URL.sub(text_sub, text), urls)
