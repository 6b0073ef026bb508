"""The merge language: Jinja in an immutable sandbox with strict variables and hard limits.

- ``ImmutableSandboxedEnvironment``: no attribute starting with ``_``, no ``__class__`` /
  ``__globals__`` walks, no mutation of the context's lists and dicts.
- ``StrictUndefined``: a misspelt variable is an error when the template is checked, not a blank
  in 100,000 mails (``{{ x or "friend" }}`` and ``| default`` still work for optional ones).
- Limits: ``range`` is budgeted (iterations and wall time per render), ``*`` and ``**`` refuse
  huge results, and output stops at ``MAX_OUTPUT`` characters. Jinja has no per-render time
  limit of its own; every construct that can loop long without data (``range``, repetition)
  goes through a check here, and data-driven loops are bounded by the data.
- ``{% content_block "key" variants=[{"when": {...}, "html": "..."}, ...] %}default
  {% endcontent_block %}`` picks the first variant whose ``when`` matches the recipient
  (``language``, ``country``, ``tenant`` slug, or any merge-data key), else the default body.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from herald.kit.errors import ValidationFailed

MAX_OUTPUT = 2_000_000
MAX_ITERATIONS = 100_000
MAX_SECONDS = 2.0
MAX_REPEAT = 100_000


class MergeError(ValidationFailed):
    code = "merge_error"


@dataclass(slots=True)
class _Budget:
    iterations: int
    deadline: float


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)


def _spend(n: int = 1) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.iterations -= n
    if budget.iterations < 0:
        raise SecurityError("the template loops too much")
    if time.monotonic() > budget.deadline:
        raise SecurityError("the template takes too long to render")


def _bounded_range(*args: int) -> Iterator[int]:
    r = range(*args)
    if len(r) > MAX_ITERATIONS:
        raise SecurityError(f"range() is limited to {MAX_ITERATIONS} items")
    for i in r:
        _spend()
        yield i


def _matches(when: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    for key, expected in when.items():
        actual = facts.get(key)
        if isinstance(expected, list):
            if actual not in expected:
                return False
        elif isinstance(actual, str) and isinstance(expected, str):
            if actual.lower() != expected.lower():
                return False
        elif actual != expected:
            return False
    return True


class ContentBlockExtension(Extension):
    tags = {"content_block"}  # noqa: RUF012 - Jinja reads a class attribute

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        variants: nodes.Expr = nodes.List([], lineno=lineno)
        if parser.stream.skip_if("comma"):
            pass
        if parser.stream.current.test("name:variants"):
            next(parser.stream)
            parser.stream.expect("assign")
            variants = parser.parse_expression()
        body = parser.parse_statements(("name:endcontent_block",), drop_needle=True)
        call = self.call_method("_choose", [key, variants, nodes.ContextReference()], lineno=lineno)
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _choose(self, key: Any, variants: Any, context: Any, caller: Any) -> Markup | str:
        if not isinstance(variants, list | tuple):
            raise SecurityError(f"content_block {key!r}: variants must be a list")
        facts = context.get("_facts") or {}
        for variant in variants:
            if not isinstance(variant, Mapping):
                raise SecurityError(f"content_block {key!r}: each variant must be a mapping")
            when = variant.get("when") or {}
            if isinstance(when, Mapping) and _matches(when, facts):
                return Markup(str(variant.get("html", "")))  # noqa: S704 - operator content
        result: Markup | str = caller()
        return result


class HeraldSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large")
            return left**right
        for a, b in ((left, right), (right, left)):
            if isinstance(a, str | list | tuple) and isinstance(b, int) and len(a) * b > MAX_REPEAT:
                raise SecurityError("repetition too large")
        return left * right


def make_environment(*, autoescape: bool) -> HeraldSandbox:
    env = HeraldSandbox(
        undefined=StrictUndefined,
        autoescape=autoescape,
        extensions=[ContentBlockExtension],
        keep_trailing_newline=True,
    )
    env.globals = {"range": _bounded_range}
    return env


HTML_ENV = make_environment(autoescape=True)
TEXT_ENV = make_environment(autoescape=False)


@dataclass(frozen=True, slots=True)
class Compiled:
    html: Any  # jinja2.Template
    text: Any


def _compile(env: HeraldSandbox, source: str, field: str, label: str = "") -> Any:
    try:
        return env.from_string(source)
    except TemplateSyntaxError as exc:
        raise MergeError(
            f"{label}merge-tag syntax error on line {exc.lineno}: {exc.message}",
            field=field,
            line=exc.lineno,
        ) from None


def compile_pair(html: str, text: str) -> Compiled:
    return Compiled(_compile(HTML_ENV, html, "mjml"), _compile(TEXT_ENV, text, "mjml"))


def compile_text(source: str, field: str = "subject") -> Any:
    """A plain-text template (a subject line); syntax errors are a :class:`MergeError`."""
    return _compile(TEXT_ENV, source, field, f"{field}: ")


def compile_html(source: str, field: str) -> Any:
    """An autoescaped HTML template; syntax errors are a :class:`MergeError`."""
    return _compile(HTML_ENV, source, field, f"{field}: ")


def render(template: Any, context: Mapping[str, Any]) -> str:
    """Render with the budget and output limits; any failure is a :class:`MergeError`."""
    token = _budget.set(_Budget(MAX_ITERATIONS, time.monotonic() + MAX_SECONDS))
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the output is larger than {MAX_OUTPUT} characters")
            parts.append(chunk)
            _spend(0)
        return "".join(parts)
    except UndefinedError as exc:
        raise MergeError(f"unknown merge variable: {exc.message}") from None
    except SecurityError as exc:
        raise MergeError(f"refused by the template sandbox: {exc}") from None
    except JinjaError as exc:
        raise MergeError(f"merge error: {exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise MergeError(f"merge error: {type(exc).__name__}: {exc}") from None
    finally:
        _budget.reset(token)
