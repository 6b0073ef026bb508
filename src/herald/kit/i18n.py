"""Message catalogues, shared by public pages, emails and console.

Each language has one main file, ``locales/<lang>.json``, plus any number of area files,
``locales/<area>/<lang>.json`` (the console's larger screens keep their messages there, so one
area's wording changes without touching the others). A key defined twice is an error.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "sv", "fr", "es")
DEFAULT_LANGUAGE = "en"


def normalise_language(value: str | None) -> str:
    if not value:
        return DEFAULT_LANGUAGE
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def is_supported(value: str | None) -> bool:
    return bool(value) and str(value).strip().lower() in LANGUAGES


@cache
def catalogue(language: str) -> dict[str, str]:
    root = resources.files("herald.kit").joinpath("locales")
    data: dict[str, str] = json.loads(root.joinpath(f"{language}.json").read_text("utf-8"))
    areas = sorted((d for d in root.iterdir() if d.is_dir()), key=lambda d: d.name)
    for area in areas:
        part = area.joinpath(f"{language}.json")
        if not part.is_file():
            continue
        extra: dict[str, str] = json.loads(part.read_text("utf-8"))
        clash = sorted(extra.keys() & data.keys())
        if clash:
            raise ValueError(f"locales/{area.name}/{language}.json redefines {clash[:5]}")
        data.update(extra)
    return data


def translate(language: str, key: str, **values: Any) -> str:
    lang = normalise_language(language)
    message = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return message.format(**values) if values else message


def pick_language(accept_language: str | None) -> str:
    """Best supported language from an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    choices: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        piece = part.strip().split(";")
        tag = piece[0].strip().lower().split("-")[0]
        q = 1.0
        for param in piece[1:]:
            if param.strip().startswith("q="):
                try:
                    q = float(param.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES:
            choices.append((q, tag))
    if not choices:
        return DEFAULT_LANGUAGE
    return max(choices, key=lambda c: c[0])[1]
