"""The `herald` command as people use it: a real process, a real SQLite file, a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.loopback import free_port

HERALD = [sys.executable, "-m", "herald.cli.main"]


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HERALD, *args], env=env, capture_output=True, text=True, timeout=120, check=check
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    e.update(
        HERALD_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'herald.db'}",
        HERALD_DATA_DIR=str(tmp_path / "data"),
        HERALD_LOG_FORMAT="console",
    )
    return e


def test_admin_commands(env: dict[str, str]) -> None:
    assert "up to date" in run(env, "db", "upgrade").stdout
    assert run(env, "tenant", "create", "--slug", "acme", "--name", "Acme").returncode == 0
    out = run(
        env,
        "operator",
        "create",
        "--email",
        "Root@Example.com",
        "--password",
        "correct horse battery",
        "--role",
        "sys",
    )
    assert "root@example.com" in out.stdout
    bad = run(
        env,
        "operator",
        "create",
        "--email",
        "x@example.com",
        "--password",
        "short",
        "--role",
        "sys",
        check=False,
    )
    assert bad.returncode == 2
    assert "at least 10" in bad.stderr
    bad = run(
        env,
        "operator",
        "create",
        "--email",
        "y@example.com",
        "--password",
        "long enough pw",
        "--role",
        "tenant_admin",
        check=False,
    )
    assert bad.returncode == 2
    assert "--tenant" in bad.stderr
    token = run(env, "token", "create", "--operator", "root@example.com").stdout.strip()
    assert token.startswith("hrld_")
    assert len(token) > 40
    assert run(env, "outbox").stdout.strip() == "outbox is empty"
    assert json.loads(run(env, "outbox", "--json").stdout) == []
    # The secret key was generated once into the data dir, with private permissions.
    key = Path(env["HERALD_DATA_DIR"]) / "secret_key"
    assert key.exists()
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_serve_with_embedded_worker(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    run(env, "seed", "--subscribers", "200")
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [*HERALD, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("herald serve did not come up: " + (tmp_path / "serve.log").read_text())
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Herald"
        r = httpx.post(
            f"{base}/public/newsletter/subscribe",
            json={"email": "walk.in@example.com", "list": "herald-news", "language": "sv"},
        )
        assert r.status_code == 202
        for _ in range(100):
            rows = json.loads(run(env, "outbox", "--json").stdout)
            mine = [r for r in rows if r["to"] == "walk.in@example.com"]
            if mine:
                break
            time.sleep(0.1)
        assert len(mine) == 1
        assert mine[0]["subject"] == "Bekräfta din prenumeration"
        # The demo's newsletter, scheduled by the seed, is being sent by the embedded worker.
        deadline = time.monotonic() + 90
        newsletter: list[dict[str, str]] = []
        while not newsletter and time.monotonic() < deadline:
            rows = json.loads(run(env, "outbox", "--json").stdout)
            newsletter = [r for r in rows if r.get("category") == "marketing"]
            time.sleep(0.5)
        assert newsletter, (
            "the seeded campaign sent nothing:\n" + (tmp_path / "serve.log").read_text()[-3000:]
        )
        assert all("@" in r["to"] and r["to"] != "walk.in@example.com" for r in newsletter)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_import_command(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "seed", "--subscribers", "50")
    data = tmp_path / "people.csv"
    data.write_text("email,name\nnew.one@example.com,New One\nbroken,Broken\n")
    out = run(
        env,
        "import",
        "--list",
        "members-news",
        "--tenant",
        "nordic-chess",
        "--file",
        str(data),
        "--attested-by",
        "Club secretary",
        "--consent-method",
        "signup sheet at the AGM",
        "--consent-source",
        "AGM 2026",
    )
    report = json.loads(out.stdout)
    assert (report["status"], report["rows_imported"], report["rows_rejected"]) == ("done", 1, 1)
    bad = run(
        env,
        "import",
        "--list",
        "members-news",
        "--tenant",
        "nordic-chess",
        "--file",
        str(data),
        "--attested-by",
        "x",
        "--consent-method",
        "m",
        "--consent-source",
        "s",
        check=False,
    )
    assert bad.returncode == 2
    assert "attestation" in bad.stderr


def test_suppression_commands(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    assert (
        run(
            env, "suppression", "add", "--email", "Block@Example.com", "--note", "abuse desk"
        ).stdout.strip()
        == "suppressed"
    )
    listed = run(env, "suppression", "list", "--email", "block@example.com").stdout
    assert "manual" in listed
    assert "block@example.com" not in listed
    entry = listed.split()[0]
    bad = run(env, "suppression", "lift", "--id", entry, "--reason", " ", check=False)
    assert bad.returncode == 2
    assert run(env, "suppression", "lift", "--id", entry, "--reason", "verified").returncode == 0
    assert run(env, "suppression", "list").stdout.strip() == "no suppressions"


def test_bounce_server(env: dict[str, str], tmp_path: Path) -> None:
    import smtplib

    missing = run(env, "bounce-server", check=False)
    assert missing.returncode == 2 and "HERALD_BOUNCE_DOMAIN" in missing.stderr
    port = free_port()
    env = {**env, "HERALD_BOUNCE_DOMAIN": "bounces.news.example.com"}
    log = (tmp_path / "bounce.log").open("w")
    proc = subprocess.Popen(
        [*HERALD, "bounce-server", "--port", str(port), "--max-size", "20000"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("bounce-server did not come up: " + (tmp_path / "bounce.log").read_text())
        with client:
            code, features = client.ehlo("relay.example.org")
            assert code == 250 and b"SIZE 20000" in features
            assert client.mail("<>")[0] == 250
            assert client.rcpt("someone@example.org")[0] == 550
            assert client.rcpt("postmaster@Bounces.News.Example.com")[0] == 250
            assert client.data(b"Subject: hello\r\n\r\nJust saying hello.\r\n")[0] == 250
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        log.close()
    assert "listening" in (tmp_path / "bounce.log").read_text()
