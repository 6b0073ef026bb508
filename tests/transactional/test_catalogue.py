"""The template catalogue: packaged files overlaid by a deployment directory, checked at load."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from herald.kit.errors import ValidationFailed
from herald.runtime import Runtime
from herald.transactional.catalogue import CatalogueError, load_catalogue
from herald.transactional.compose import compose
from herald.worker.runner import Worker
from tests.transactional.support import RANKING, RESET, log_rows, outbox, send

RECIPIENT = {"email": "a@example.org", "name": None}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _template(key: str, category: str, langs: tuple[str, ...] = ("en",)) -> dict[str, str]:
    files = {f"{key}/template.toml": f'category = "{category}"\n'}
    for lang in langs:
        files[f"{key}/{lang}.subject.j2"] = f"{key} {lang} {{{{ n }}}}\n"
        files[f"{key}/{lang}.html.j2"] = f"<p>{key} {lang} {{{{ n }}}}</p>\n"
        files[f"{key}/{lang}.txt.j2"] = f"{key} {lang} {{{{ n }}}}\n"
    return files


def test_packaged_catalogue() -> None:
    catalogue = load_catalogue(None)
    assert set(catalogue.templates) >= {"password_reset", "booking_confirmation", "ranking_change"}
    assert catalogue.categories["password_reset"].mandatory
    assert not catalogue.categories["ranking_change"].mandatory
    for template in catalogue.templates.values():
        assert sorted(template.versions) == ["en", "es", "fr", "sv"]
    with pytest.raises(ValidationFailed):
        catalogue.template("../password_reset")


def test_deployment_overrides_extends_and_falls_back(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "categories.toml": '[billing]\nkind = "optional"\nname = { en = "Billing" }\n'
            '[ranking_change]\nkind = "mandatory"\nname = { en = "Rankings" }\n',
            "password_reset/sv.subject.j2": "Nytt lösenord för {{ recipient.email }}\n",
            **_template("invoice_paid", "billing"),
        },
    )
    catalogue = load_catalogue(root)
    assert catalogue.categories["ranking_change"].mandatory  # the deployment's entry wins
    assert catalogue.categories["billing"].name("sv") == "Billing"
    reset = catalogue.template("password_reset")
    swedish = compose(
        catalogue, reset, "sv", RESET, recipient=RECIPIENT, tenant=None, preferences_url=None
    )
    assert swedish.subject == "Nytt lösenord för a@example.org"
    assert swedish.text.startswith("Hej,")  # the packaged body of the same language
    english = compose(
        catalogue, reset, "en", RESET, recipient=RECIPIENT, tenant=None, preferences_url=None
    )
    assert english.subject == "Reset your password"
    invoice = catalogue.template("invoice_paid")
    fallback = compose(
        catalogue, invoice, "fr", {"n": 5}, recipient=RECIPIENT, tenant=None, preferences_url=None
    )
    assert (fallback.language, fallback.subject) == ("en", "invoice_paid en 5")


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        (_template("orphan", "nothing"), "category must name"),
        ({**_template("x", "ranking_change", ("sv",))}, "en version is required"),
        (
            {**_template("x", "ranking_change"), "x/sv.subject.j2": "Hej\n"},
            "language sv lacks its html, text file",
        ),
        ({**_template("x", "ranking_change"), "x/en.html.j2": "<p>{% if %}</p>"}, "line 1"),
        (_template("Bad-Key", "ranking_change"), "template key"),
        ({"categories.toml": '[x]\nkind = "sometimes"\nname = { en = "X" }\n'}, "kind"),
        ({"categories.toml": '[x]\nkind = "optional"\n'}, "name.en"),
        ({"categories.toml": "[x\n"}, "categories.toml"),
        ({"password_reset/en.txt.j2": "x" * 300_000}, "larger than"),
        ({"password_reset/en.txt.j2": "\udcff"}, "not UTF-8"),
    ],
)
def test_broken_deployment_files_are_refused(
    tmp_path: Path, files: dict[str, str], needle: str
) -> None:
    root = tmp_path / "t"
    root.mkdir()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(CatalogueError, match=needle):
        load_catalogue(root)


def test_missing_deployment_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not a directory"):
        load_catalogue(tmp_path / "absent")


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    root = _write(
        tmp_path / "deploy",
        {
            "categories.toml": '[billing]\nkind = "optional"\nname = { en = "Billing" }\n',
            "password_reset/en.subject.j2": "Acme: reset your password\n",
            "_layout.txt.j2": "{{ content }}\n-- Acme support\n",
            **_template("invoice_paid", "billing", ("en", "sv")),
        },
    )
    return {"transactional_templates_dir": root}


async def test_deployment_directory_through_the_api(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    r = await app_client.get("/sys/newsletter/transactional/templates", headers=sys_headers)
    keys = {t["key"]: t for t in r.json()}
    assert keys["invoice_paid"]["languages"] == ["en", "sv"]
    assert keys["invoice_paid"]["mandatory"] is False
    await send(app_client, sys_headers, "password_reset", "a@example.org", RESET, language="fr")
    await send(app_client, sys_headers, "password_reset", "a@example.org", RESET)
    await send(app_client, sys_headers, "invoice_paid", "a@example.org", {"n": 3}, language="sv")
    await send(app_client, sys_headers, "ranking_change", "a@example.org", RANKING)
    await worker.drain()
    mails = await outbox(runtime)
    assert [m.subject for m in mails] == [
        "Réinitialisez votre mot de passe",
        "Acme: reset your password",
        "invoice_paid sv 3",
        "Your ranking changed: now #3",
    ]
    assert all(m.text_body and m.text_body.endswith("-- Acme support\n") for m in mails)
    assert [r.status for r in await log_rows(runtime)] == ["sent"] * 4


def test_cli_lists_and_checks_the_catalogue(tmp_path: Path) -> None:
    from tests.test_cli import run

    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env.update(HERALD_DATA_DIR=str(tmp_path / "data"), HERALD_LOG_FORMAT="console")
    out = run(env, "transactional", "templates")
    assert "ranking_change" in out.stdout and "optional" in out.stdout
    root = _write(tmp_path / "t", _template("invoice_paid", "nothing"))
    env["HERALD_TRANSACTIONAL_TEMPLATES_DIR"] = str(root)
    bad = run(env, "transactional", "templates", "--check", check=False)
    assert bad.returncode == 2 and "category must name" in bad.stderr
