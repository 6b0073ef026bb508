"""The import's COPY text: every value reaches PostgreSQL unchanged, however it is spelt."""

from __future__ import annotations

import json

import psycopg
import pytest

from herald.audience.imports.postgres_batch import copy_text
from herald.audience.imports.reader import Row

ROWS: list[Row] = [
    (2, "a@example.com", "example.com", "Ann", "en", "Europe/Paris", "FR", '{"role":"coach"}'),
    (3, "b@example.com", "example.com", None, None, None, None, "{}"),
    (4, "c@example.com", "example.com", "Tab\there", "sv", None, "SE", '{"k":"a\\tb"}'),
    (5, "d@example.com", "example.com", "Back\\slash \\N", None, None, None, '{"q":"\\""}'),
    (6, "e@example.com", "example.com", "two\nlines\r", None, None, None, '{"n":"\\n"}'),
    (7, "f@exämple.com", "exämple.com", "\\N", "fr", None, None, '{"ü":"ß"}'),
]
HASHES = [f"{n:064x}" for n in range(len(ROWS))]


def test_plain_rows_are_written_as_they_are() -> None:
    text = copy_text(ROWS[:2], HASHES[:2]).decode()
    assert text.splitlines() == [
        '2\ta@example.com\texample.com\tAnn\ten\tEurope/Paris\tFR\t{"role":"coach"}\t' + HASHES[0],
        "3\tb@example.com\texample.com\t\\N\t\\N\t\\N\t\\N\t{}\t" + HASHES[1],
    ]
    assert copy_text([], []) == b""


@pytest.mark.postgres
def test_values_survive_copy(db_kind: str, db_url: str) -> None:
    if db_kind != "postgres":
        pytest.skip("COPY is PostgreSQL's")
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute(
            "CREATE TEMP TABLE t (line bigint, email text, domain text, name text, "
            "language text, timezone text, country text, attributes jsonb, email_hash text)"
        )
        with conn.cursor().copy("COPY t FROM STDIN") as copy:
            copy.write(copy_text(ROWS, HASHES))
        back = conn.execute(
            "SELECT line, email, domain, name, language, timezone, country, attributes, "
            "email_hash FROM t ORDER BY line"
        ).fetchall()
    assert back == [
        (*row[:7], json.loads(row[7]), email_hash)
        for row, email_hash in zip(ROWS, HASHES, strict=True)
    ]
