"""The premium gallery compiles with mrml offline and merges under StrictUndefined."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import mrml
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

import herald.templates

GALLERY = Path(herald.templates.__file__).parent / "gallery"
KEYS = [
    "announcement",
    "digest",
    "event_invite",
    "product_drop",
    "case_study",
    "win_back",
    "re_engagement",
    "onboarding_step",
    "tournament_recap",
    "scoreboard_release",
    "federation_update",
    "seasonal",
]
CONTEXTS: list[dict[str, Any]] = [
    {
        "subscriber": {"first_name": None, "email": "a@example.com", "language": "en"},
        "list": {"name": "News", "slug": "news"},
        "tenant": {"name": None},
        "campaign": {"subject": "S"},
        "data": {},
    },
    {
        "subscriber": {"first_name": "Ada", "email": "a@example.com", "language": "en"},
        "list": {"name": "News", "slug": "news"},
        "tenant": {"name": "ACME"},
        "campaign": {"subject": "S"},
        "data": {},
    },
]


def _env() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


def _compile(key: str) -> Any:
    source = (GALLERY / f"{key}.mjml").read_text(encoding="utf-8")
    return mrml.to_html(
        source,
        parser_options=mrml.ParserOptions(include_loader=mrml.noop_loader()),
        render_options=mrml.RenderOptions(fonts={}),
    )


@pytest.mark.parametrize("key", KEYS)
def test_mjml_compiles_offline(key: str) -> None:
    source = (GALLERY / f"{key}.mjml").read_text(encoding="utf-8")
    for forbidden in ("<mj-font", "<mj-include", "<mj-social", "<mj-image"):
        assert forbidden not in source
    assert "<mj-preview>" in source
    assert "<mj-title>" in source
    output = _compile(key)
    assert list(output.warnings) == []
    html = output.content
    assert "fonts.googleapis" not in html
    assert "<link " not in html
    assert 'src="http' not in html
    assert "@import" not in html
    assert "unsubscribe" not in html.lower()


@pytest.mark.parametrize("key", KEYS)
def test_merges_under_strict_undefined(key: str) -> None:
    env = _env()
    html = env.from_string(_compile(key).content)
    text = env.from_string((GALLERY / f"{key}.txt").read_text(encoding="utf-8"))
    for context in CONTEXTS:
        rendered_html = html.render(context)
        assert "{{" not in rendered_html
        assert "{%" not in rendered_html
        rendered_text = text.render(context)
        assert rendered_text.strip()
        assert re.search(r"https://\S+", rendered_text)
        if context["subscriber"]["first_name"]:
            assert context["subscriber"]["first_name"] in rendered_html
            assert context["subscriber"]["first_name"] in rendered_text
        assert "None" not in rendered_html
        assert "None" not in rendered_text


def test_catalogue_lists_every_template_in_order() -> None:
    entries = json.loads((GALLERY / "gallery.json").read_text(encoding="utf-8"))
    assert [entry["key"] for entry in entries] == KEYS
    for entry in entries:
        assert set(entry) == {"key", "name", "description", "subject", "preheader"}
        assert all(isinstance(value, str) and value.strip() for value in entry.values())
        _env().from_string(entry["subject"]).render(CONTEXTS[0])
    files = {path.name for path in GALLERY.iterdir()}
    assert files == {"gallery.json"} | {f"{key}.{ext}" for key in KEYS for ext in ("mjml", "txt")}
