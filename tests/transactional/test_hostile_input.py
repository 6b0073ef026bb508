"""Hostile or broken requests are a 422 and nothing is logged, queued or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.work import Job
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.transactional.support import RESET, SEND, log_rows, outbox, send

BOOKING = {"booking_reference": "B-1", "starts_at": "18:00"}
EVIL_TEMPLATES = {
    "mro_walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals_walk": "{{ cycler.__init__.__globals__ }}",
    "lipsum_globals": "{{ lipsum.__globals__['os'] }}",
    "format_escape": "{{ '{0.__class__}'.format(recipient) }}",
    "attr_filter": "{{ recipient|attr('__class__') }}",
    "config_leak": "{{ config }}",
    "huge_range": "{% for i in range(10**9) %}x{% endfor %}",
    "repetition": "{{ 'x' * 100000000 }}",
}


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    root = tmp_path / "templates"
    (root).mkdir()
    (root / "categories.toml").write_text('[probe]\nkind = "mandatory"\nname = { en = "Probes" }\n')
    for key, source in EVIL_TEMPLATES.items():
        d = root / key
        d.mkdir()
        (d / "template.toml").write_text('category = "probe"\n')
        (d / "en.subject.j2").write_text("Probe\n")
        (d / "en.html.j2").write_text(f"<p>{source}</p>\n")
        (d / "en.txt.j2").write_text("probe\n")
    return {"transactional_templates_dir": root}


async def _nothing_happened(rt: Runtime, worker: Worker) -> None:
    await worker.drain()
    assert await log_rows(rt) == []
    assert await outbox(rt) == []
    async with transaction(rt.sessions) as s:
        assert (await s.execute(select(Job.id))).all() == []


@pytest.mark.parametrize(
    "template",
    [
        "nope",
        "../../etc/passwd",
        "password_reset/../ranking_change",
        "password_reset/en.subject.j2",
        "PASSWORD_RESET",
        "_layout.html",
        "confirm",
        "categories",
        "password_reset\x00",
        "",
    ],
)
async def test_unknown_or_traversing_template_keys(
    template: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    r = await send(app_client, sys_headers, template, "a@example.org", RESET)
    assert r.status_code == 422, r.text
    await _nothing_happened(runtime, worker)


@pytest.mark.parametrize(
    ("template", "to", "data", "needle"),
    [
        ("password_reset", {"email": "a@example.org"}, {}, "reset_url"),
        ("booking_confirmation", {"email": "a@example.org"}, {"starts_at": "x"}, "booking_ref"),
        ("password_reset", {"email": "a@example.org\r\nBcc: x@example.org"}, RESET, "email"),
        ("password_reset", {"email": "not an address"}, RESET, "email"),
        (
            "password_reset",
            {"email": "a@example.org", "name": "Ada\r\nBcc: x@e.org"},
            RESET,
            "name",
        ),
        (
            "booking_confirmation",
            {"email": "a@example.org"},
            {**BOOKING, "booking_reference": "B-1\r\nBcc: evil@example.org"},
            "line breaks",
        ),
        (
            "booking_confirmation",
            {"email": "a@example.org"},
            {**BOOKING, "booking_reference": "=?UTF-8?Q?B-1=0D=0ABcc:_evil@example.org?="},
            "line breaks",
        ),
        ("password_reset", {"email": "a@example.org"}, {**RESET, "recipient": "x"}, "reserved"),
        ("password_reset", {"email": "a@example.org"}, {**RESET, "__class__": "x"}, "data keys"),
        ("password_reset", {"email": "a@example.org"}, {**RESET, "pad": "x" * 70000}, "larger"),
        ("password_reset", {"email": "a@example.org", "bcc": "x@e.org"}, RESET, "bcc"),
    ],
)
async def test_bad_recipient_or_data(
    template: str,
    to: dict[str, str],
    data: dict[str, Any],
    needle: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    r = await app_client.post(
        SEND, json={"template": template, "to": to, "data": data}, headers=sys_headers
    )
    assert r.status_code == 422, r.text
    assert needle in r.text
    await _nothing_happened(runtime, worker)


@pytest.mark.parametrize("template", sorted(EVIL_TEMPLATES))
async def test_sandbox_escapes_in_deployment_templates(
    template: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    r = await send(app_client, sys_headers, template, "a@example.org")
    assert r.status_code == 422, r.text
    assert "os" not in r.json().get("detail", "").split("'")  # no module leaked into the answer
    await _nothing_happened(runtime, worker)


async def test_template_syntax_in_data_is_text(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    data = {**BOOKING, "location": "{{ 7 * 7 }} {% raw %}<script>alert(1)</script>"}
    r = await send(app_client, sys_headers, "booking_confirmation", "a@example.org", data)
    assert r.status_code == 202, r.text
    await worker.drain()
    [mail] = await outbox(runtime)
    assert mail.text_body and "{{ 7 * 7 }} {% raw %}<script>" in mail.text_body
    assert (
        mail.html_body and "&lt;script&gt;" in mail.html_body and "<script>" not in mail.html_body
    )
    assert "49" not in mail.text_body
