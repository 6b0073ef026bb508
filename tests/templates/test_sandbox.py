"""The merge language refuses escapes and runaway templates; MJML errors carry positions."""

from __future__ import annotations

import pytest

from herald.templates import merge, mjml, sandbox
from herald.templates.text import html_to_text

CTX = merge.build_context(
    subscriber={"id": 1, "email": "ada@example.com", "name": "Ada Lovelace", "language": "fr"},
    list_={"name": "News", "slug": "news"},
    tenant={"name": "ACME", "slug": "acme"},
    campaign={"subject": "S"},
    merge_data={"tier": "gold"},
)


def render(source: str) -> str:
    return sandbox.render(sandbox.HTML_ENV.from_string(source), CTX)


@pytest.mark.parametrize(
    "source",
    [
        "{{ subscriber.__class__ }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ subscriber.get.__globals__ }}",
        "{{ self.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
        "{{ range.__globals__ }}",
        "{% for i in range(10**9) %}x{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 100000000 }}",
        "{{ [1] * 100000000 }}",
        "{{ 10 ** 10000000 }}",
        "{% for i in range(99999) %}{{ 'y' * 99999 }}{% endfor %}",
        "{{ subscriber.attributes.update({'a': 1}) }}",
        "{{ undefined_variable }}",
        "{{ subscriber.nope.deeper }}",
    ],
)
def test_sandbox_refuses(source: str) -> None:
    with pytest.raises(sandbox.MergeError):
        render(source)


def test_merge_escapes_and_optional_values() -> None:
    ctx = merge.build_context(
        subscriber={"id": 1, "email": "e@example.com", "name": "<script>x</script>"},
        list_=None,
        tenant=None,
        campaign={"subject": "S"},
    )
    html = sandbox.render(
        sandbox.HTML_ENV.from_string("{{ subscriber.name }}|{{ tenant.name or 'none' }}"), ctx
    )
    assert html == "&lt;script&gt;x&lt;/script&gt;|none"


def test_content_block_chooses_variant_per_recipient() -> None:
    source = (
        '{% content_block "hero" variants=['
        '{"when": {"language": "sv"}, "html": "Hej"},'
        '{"when": {"language": "fr", "tier": "gold"}, "html": "<b>Bonjour VIP</b>"}'
        "] %}Hello{% endcontent_block %}"
    )
    assert render(source) == "<b>Bonjour VIP</b>"
    en = merge.build_context(
        subscriber={"id": 2, "email": "b@example.com", "language": "en"},
        list_=None,
        tenant=None,
        campaign={},
    )
    assert sandbox.render(sandbox.HTML_ENV.from_string(source), en) == "Hello"


def test_content_block_rejects_bad_variants() -> None:
    with pytest.raises(sandbox.MergeError):
        render('{% content_block "x" variants="nope" %}d{% endcontent_block %}')


def test_syntax_errors_have_a_line() -> None:
    with pytest.raises(sandbox.MergeError) as info:
        sandbox.compile_pair("ok\n\n{{ broken ", "text")
    assert info.value.details["line"] == 3


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ('<mjml><mj-body>\n\n<mj-include path="/etc/passwd" /></mj-body></mjml>', "mj-include"),
        ('<mjml><mj-head><mj-font name="R" href="https://fonts.example/x.css"/>', "mj-font"),
        (
            "<mjml><mj-body><mj-section><mj-column><mj-social>"
            '<mj-social-element name="facebook" href="https://f.example">F</mj-social-element>'
            "</mj-social></mj-column></mj-section></mj-body></mjml>",
            "hot-link",
        ),
        ("not mjml at all", "MJML"),
        ("", "empty"),
    ],
)
def test_mjml_refusals(source: str, needle: str) -> None:
    with pytest.raises(mjml.TemplateError) as info:
        mjml.render(source)
    assert needle in info.value.message


def test_mjml_error_position_is_a_line() -> None:
    with pytest.raises(mjml.TemplateError) as info:
        mjml.render('<mjml>\n<mj-body>\n  <mj-include path="x.mjml"/>\n</mj-body></mjml>')
    assert info.value.line == 3


def test_no_remote_fonts_and_text_part() -> None:
    html = mjml.render(
        "<mjml><mj-body><mj-section><mj-column><mj-text>Hi <a href='https://e.example/a'>A</a>"
        "</mj-text></mj-column></mj-section></mj-body></mjml>"
    )
    assert "fonts.googleapis" not in html and "<link" not in html
    assert "A: https://e.example/a" in html_to_text(html)


def test_links_become_slots_and_dynamic_links_stay_untracked() -> None:
    prepared = merge.prepare(
        '<a href="https://a.example/x?a=1&amp;b=2">A</a>'
        '<a href="https://b.example/{{ subscriber.id }}">B</a></body>',
        "See https://a.example/x?a=1&b=2.",
    )
    assert prepared.urls == ["https://a.example/x?a=1&b=2"]
    html, text = prepared.render(CTX, link=lambda n: f"https://t.example/{n}")
    assert 'href="https://t.example/1"' in html
    assert 'href="https://b.example/1"' in html
    assert text.startswith("See https://t.example/1.")
