"""The premium gallery shipped with Herald: MJML + plain text + metadata, read as package data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from herald.kit.errors import NotFound


@dataclass(frozen=True, slots=True)
class GalleryTemplate:
    key: str
    name: str
    description: str
    subject: str
    preheader: str

    def mjml(self) -> str:
        return _read(f"{self.key}.mjml")

    def text(self) -> str:
        return _read(f"{self.key}.txt")


def _read(name: str) -> str:
    return resources.files("herald.templates").joinpath("gallery", name).read_text("utf-8")


@cache
def entries() -> tuple[GalleryTemplate, ...]:
    raw = json.loads(_read("gallery.json"))
    return tuple(
        GalleryTemplate(
            key=e["key"],
            name=e["name"],
            description=e["description"],
            subject=e["subject"],
            preheader=e.get("preheader", ""),
        )
        for e in raw
    )


def get(key: str) -> GalleryTemplate:
    for entry in entries():
        if entry.key == key:
            return entry
    raise NotFound(f"no gallery template {key!r}")
