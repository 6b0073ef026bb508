"""MJML → HTML with mrml, locked down: no remote fonts, no includes, no hot-linked icons.

mrml reports errors as ``OSError`` with a character span (``position START:END``); they are turned
into :class:`TemplateError` with a 1-based line and column so an editor can point at them.
"""

from __future__ import annotations

import re

import mrml

from herald.kit.errors import ValidationFailed

MAX_MJML_BYTES = 512 * 1024
_POSITION = re.compile(r"position (\d+):(\d+)")
_SOCIAL_ELEMENT = re.compile(r"<mj-social-element\b[^>]*>", re.IGNORECASE)
_INCLUDE = re.compile(r"<mj-include\b", re.IGNORECASE)
_FONT = re.compile(r"<mj-font\b", re.IGNORECASE)

_PARSER = mrml.ParserOptions(include_loader=mrml.noop_loader())
# No web fonts at all: mrml's default adds Google Fonts links for Ubuntu/Roboto/… otherwise.
_RENDER = mrml.RenderOptions(fonts={})


class TemplateError(ValidationFailed):
    code = "template_error"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}", field="mjml", line=line, column=column)
        self.line = line
        self.column = column


def _line_col(source: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(source)))
    before = source[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def _reject(source: str, match: re.Match[str], message: str) -> TemplateError:
    line, column = _line_col(source, match.start())
    return TemplateError(message, line=line, column=column)


def check_source(source: str) -> None:
    """Refuse constructs that would reach outside Herald at render or read time."""
    if len(source.encode()) > MAX_MJML_BYTES:
        raise TemplateError(f"the MJML source is larger than {MAX_MJML_BYTES // 1024} KiB")
    if not source.strip():
        raise TemplateError("the MJML source is empty")
    if m := _INCLUDE.search(source):
        raise _reject(source, m, "mj-include is not supported: paste the content instead")
    if m := _FONT.search(source):
        raise _reject(source, m, "mj-font loads remote fonts; use a system font stack instead")
    for m in _SOCIAL_ELEMENT.finditer(source):
        if not re.search(r"\bsrc\s*=", m.group(0)):
            raise _reject(
                source,
                m,
                "mj-social-element needs its own src= icon (Herald does not hot-link icons "
                "from a third party)",
            )


def render(source: str) -> str:
    """Return the HTML for ``source`` or raise :class:`TemplateError` with a position."""
    check_source(source)
    try:
        output = mrml.to_html(source, parser_options=_PARSER, render_options=_RENDER)
    except OSError as exc:
        text = str(exc)
        m = _POSITION.search(text)
        if m:
            line, column = _line_col(source, int(m.group(1)))
            raise TemplateError(f"MJML error: {text}", line=line, column=column) from None
        raise TemplateError(f"MJML error: {text}") from None
    html: str = output.content
    if "<mjml" not in source.lower()[:4096]:
        raise TemplateError("the source must be an <mjml> document")
    return html
