"""Render one transactional message: check the caller's data, fill the template, wrap it.

The context of a template is the caller's ``data`` (top-level names) plus ``recipient``
(``email``, ``name``, ``language``), ``tenant`` (``slug``, ``name``, or None), ``lang`` and
``preferences_url`` (optional categories sent to a known subscriber, else None). Rendering runs
in the template sandbox (strict variables, no attribute walks, time and size budgets), so a
missing variable or an escape attempt is a 422 naming the problem, and nothing is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from herald.kit.errors import ValidationFailed
from herald.kit.i18n import translate
from herald.kit.text import ensure_header_safe
from herald.templates.sandbox import MergeError, render
from herald.transactional.catalogue import Catalogue, TransactionalTemplate

RESERVED = frozenset({"recipient", "tenant", "lang", "preferences_url"})
DATA_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
MAX_DATA_BYTES = 64 * 1024
MAX_SUBJECT = 998


@dataclass(frozen=True, slots=True)
class Rendered:
    language: str
    subject: str
    html: str
    text: str


def check_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's merge data: a JSON object of plain names, at most 64 KiB."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValidationFailed("data must be an object", field="data")
    for key in data:
        if not isinstance(key, str) or not DATA_KEY.fullmatch(key):
            raise ValidationFailed(
                "data keys are letters, digits and underscores, starting with a letter",
                field="data",
            )
        if key in RESERVED:
            raise ValidationFailed(f"data key {key!r} is reserved", field="data")
    try:
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("data must be plain JSON", field="data") from exc
    if size > MAX_DATA_BYTES:
        raise ValidationFailed(f"data is larger than {MAX_DATA_BYTES} bytes", field="data")
    return dict(data)


def _render(template: Any, context: Mapping[str, Any], where: str) -> str:
    try:
        return render(template, context)
    except MergeError as exc:
        raise MergeError(f"{where}: {exc.message}", field="data") from None


def compose(
    catalogue: Catalogue,
    template: TransactionalTemplate,
    language: str,
    data: Mapping[str, Any],
    *,
    recipient: Mapping[str, Any],
    tenant: Mapping[str, Any] | None,
    preferences_url: str | None,
) -> Rendered:
    lang, version = template.version(language)
    context = {
        **data,
        "recipient": dict(recipient, language=lang),
        "tenant": tenant,
        "lang": lang,
        "preferences_url": preferences_url,
    }
    where = f"template {template.key} ({lang})"
    subject = _render(version.subject, context, f"{where} subject").strip()
    if not subject:
        raise ValidationFailed(f"{where}: the subject is empty", field="data")
    if len(subject) > MAX_SUBJECT:
        raise ValidationFailed(f"{where}: the subject is too long", field="data")
    try:
        ensure_header_safe(subject, "subject")
    except ValidationFailed:
        raise ValidationFailed(
            f"{where}: the subject must not contain line breaks or NUL (check data)", field="data"
        ) from None
    html = _render(version.html, context, f"{where} html")
    text = _render(version.text, context, f"{where} text")
    frame = {
        "lang": lang,
        "subject": subject,
        "tenant": tenant,
        "preferences_url": preferences_url,
        "preferences_text": translate(lang, "email.notification.preferences"),
    }
    return Rendered(
        language=lang,
        subject=subject,
        html=_render(catalogue.layout_html, {**frame, "content": Markup(html)}, "_layout.html"),  # noqa: S704 - sandbox output
        text=_render(catalogue.layout_text, {**frame, "content": text.strip()}, "_layout.txt"),
    )
