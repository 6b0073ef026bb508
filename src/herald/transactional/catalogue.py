"""The transactional template catalogue: Jinja files shipped with Herald plus a deployment's own.

The package directory (``herald/transactional/templates/``) and, when set,
``HERALD_TRANSACTIONAL_TEMPLATES_DIR`` share one layout::

    categories.toml            [<category>] kind = "mandatory" | "optional", name.<lang> = "…"
    _layout.html.j2            wraps every HTML body ({{ content }}, {{ preferences_url }}, …)
    _layout.txt.j2             wraps every plain-text body
    <key>/template.toml        category = "<category>"
    <key>/<lang>.subject.j2    the subject line
    <key>/<lang>.html.j2       the HTML body
    <key>/<lang>.txt.j2        the plain-text body

A file in the deployment directory replaces the packaged file of the same path, so a deployment
can restyle one language of one template, add languages, or add templates; ``categories.toml``
is merged per category (the deployment's entry wins). A language is offered when its three
files exist; English is required. Every file is compiled once, in the template sandbox, when
the catalogue is loaded; a template key is only ever looked up in the loaded catalogue, never
turned into a path.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from herald.kit.errors import ValidationFailed
from herald.kit.i18n import DEFAULT_LANGUAGE, LANGUAGES
from herald.templates.sandbox import MergeError, compile_html, compile_text

KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
KINDS = ("mandatory", "optional")
MAX_FILE_BYTES = 256 * 1024
_SUFFIXES = {"subject": "subject.j2", "html": "html.j2", "text": "txt.j2"}


class CatalogueError(ValueError):
    """The template files are unusable (a deployment configuration error, not bad input)."""


class UnknownTemplate(ValidationFailed):
    code = "unknown_template"


@dataclass(frozen=True, slots=True)
class NotificationCategory:
    key: str
    mandatory: bool
    names: Mapping[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[DEFAULT_LANGUAGE]


@dataclass(frozen=True, slots=True)
class Version:
    """One language of a template, compiled (``jinja2.Template`` objects)."""

    subject: Any
    html: Any
    text: Any


@dataclass(frozen=True, slots=True)
class TransactionalTemplate:
    key: str
    category: NotificationCategory
    versions: Mapping[str, Version]

    def version(self, language: str) -> tuple[str, Version]:
        """The wanted language, or English when this template has no such version."""
        lang = language if language in self.versions else DEFAULT_LANGUAGE
        return lang, self.versions[lang]


@dataclass(frozen=True, slots=True)
class Catalogue:
    templates: Mapping[str, TransactionalTemplate]
    categories: Mapping[str, NotificationCategory]
    layout_html: Any
    layout_text: Any

    def template(self, key: str) -> TransactionalTemplate:
        found = self.templates.get(key) if isinstance(key, str) else None
        if found is None:
            raise UnknownTemplate("unknown transactional template", field="template")
        return found

    def optional_categories(self) -> list[NotificationCategory]:
        return [c for c in self.categories.values() if not c.mandatory]


class _Overlay:
    """Files looked up in the deployment directory first, then in the package."""

    def __init__(self, roots: list[tuple[str, Traversable]]) -> None:
        self.roots = roots

    def read(self, *parts: str) -> tuple[str, str] | None:
        """(text, label) of the first root holding the file, or None."""
        for label, root in self.roots:
            node = root.joinpath(*parts)
            if node.is_file():
                data = node.read_bytes()
                where = f"{label}/{'/'.join(parts)}"
                if len(data) > MAX_FILE_BYTES:
                    raise CatalogueError(f"{where} is larger than {MAX_FILE_BYTES} bytes")
                try:
                    return data.decode("utf-8"), where
                except UnicodeDecodeError as exc:
                    raise CatalogueError(f"{where} is not UTF-8") from exc
        return None

    def tomls(self, *parts: str) -> list[tuple[dict[str, Any], str]]:
        """Every root's parsed TOML file at that path, package first (later entries win)."""
        found = []
        for label, root in reversed(self.roots):
            node = root.joinpath(*parts)
            if node.is_file():
                where = f"{label}/{'/'.join(parts)}"
                try:
                    found.append((tomllib.loads(node.read_text("utf-8")), where))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                    raise CatalogueError(f"{where}: {exc}") from exc
        return found

    def template_keys(self) -> list[str]:
        keys: set[str] = set()
        for label, root in self.roots:
            for node in root.iterdir():
                if node.is_dir() and node.joinpath("template.toml").is_file():
                    if not KEY.fullmatch(node.name):
                        raise CatalogueError(
                            f"{label}/{node.name}: a template key is lower-case letters, "
                            "digits and underscores, starting with a letter"
                        )
                    keys.add(node.name)
        return sorted(keys)


def _compile(source: str, where: str, *, html: bool) -> Any:
    try:
        return compile_html(source, where) if html else compile_text(source, where)
    except MergeError as exc:
        raise CatalogueError(exc.message) from exc


def _categories(overlay: _Overlay) -> dict[str, NotificationCategory]:
    merged: dict[str, NotificationCategory] = {}
    for table, where in overlay.tomls("categories.toml"):
        for key, entry in table.items():
            if not KEY.fullmatch(key) or not isinstance(entry, dict):
                raise CatalogueError(f"{where}: [{key}] is not a category table with a valid name")
            kind = entry.get("kind")
            names = entry.get("name")
            if kind not in KINDS:
                raise CatalogueError(f"{where}: [{key}] kind must be one of {', '.join(KINDS)}")
            if not isinstance(names, dict) or not isinstance(names.get(DEFAULT_LANGUAGE), str):
                raise CatalogueError(f"{where}: [{key}] needs name.{DEFAULT_LANGUAGE}")
            merged[key] = NotificationCategory(
                key=key,
                mandatory=kind == "mandatory",
                names={lang: str(names[lang]) for lang in LANGUAGES if lang in names},
            )
    return merged


def _template(
    overlay: _Overlay, key: str, categories: Mapping[str, NotificationCategory]
) -> TransactionalTemplate:
    (meta, where), *_ = reversed(overlay.tomls(key, "template.toml"))
    category = categories.get(str(meta.get("category", "")))
    if category is None:
        raise CatalogueError(f"{where}: category must name an entry of categories.toml")
    versions: dict[str, Version] = {}
    for lang in LANGUAGES:
        files = {part: overlay.read(key, f"{lang}.{suffix}") for part, suffix in _SUFFIXES.items()}
        present = {part: found for part, found in files.items() if found is not None}
        if not present:
            continue
        if len(present) != len(files):
            missing = sorted(set(files) - set(present))
            raise CatalogueError(f"{key}: language {lang} lacks its {', '.join(missing)} file")
        (subject, s_where), (html, h_where), (text, t_where) = (
            present["subject"],
            present["html"],
            present["text"],
        )
        versions[lang] = Version(
            subject=_compile(subject.strip(), s_where, html=False),
            html=_compile(html, h_where, html=True),
            text=_compile(text, t_where, html=False),
        )
    if DEFAULT_LANGUAGE not in versions:
        raise CatalogueError(f"{key}: the {DEFAULT_LANGUAGE} version is required")
    return TransactionalTemplate(key=key, category=category, versions=versions)


def build_catalogue(roots: list[tuple[str, Traversable]]) -> Catalogue:
    """Load and compile a catalogue from ``(label, directory)`` roots, first root winning."""
    overlay = _Overlay(roots)
    categories = _categories(overlay)
    templates = {key: _template(overlay, key, categories) for key in overlay.template_keys()}
    layouts = {}
    for name, html in (("_layout.html.j2", True), ("_layout.txt.j2", False)):
        found = overlay.read(name)
        if found is None:
            raise CatalogueError(f"{name} is missing")
        layouts[name] = _compile(found[0], found[1], html=html)
    return Catalogue(
        templates=templates,
        categories=categories,
        layout_html=layouts["_layout.html.j2"],
        layout_text=layouts["_layout.txt.j2"],
    )


PACKAGE_LABEL = "herald/transactional/templates"


@lru_cache(maxsize=8)
def load_catalogue(deployment_dir: Path | None = None) -> Catalogue:
    """The packaged catalogue overlaid with ``deployment_dir`` (read once per process)."""
    roots: list[tuple[str, Traversable]] = []
    if deployment_dir is not None:
        if not deployment_dir.is_dir():
            raise CatalogueError(
                f"HERALD_TRANSACTIONAL_TEMPLATES_DIR {str(deployment_dir)!r} is not a directory"
            )
        roots.append((str(deployment_dir), deployment_dir))
    roots.append((PACKAGE_LABEL, resources.files("herald.transactional").joinpath("templates")))
    return build_catalogue(roots)
