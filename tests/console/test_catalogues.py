"""The console's messages live in the same catalogues as the public pages; every language has
every key, with the same placeholders."""

from __future__ import annotations

import re

from herald.kit.i18n import LANGUAGES, catalogue

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_language_has_every_console_key_with_the_same_placeholders() -> None:
    english = catalogue("en")
    console = {k for k in english if k.startswith("console.")}
    assert len(console) > 300
    for lang in LANGUAGES:
        messages = catalogue(lang)
        keys = {k for k in messages if k.startswith("console.")}
        assert keys == console, (lang, sorted(keys ^ console)[:10])
        for key in console:
            expected = set(PLACEHOLDER.findall(english[key]))
            assert set(PLACEHOLDER.findall(messages[key])) == expected, (lang, key)
            assert messages[key].strip(), (lang, key)
