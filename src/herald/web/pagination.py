"""Keyset pagination parameters shared by every collection endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from herald.kit.cursor import cursor_int, encode_cursor

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]


def after_id(cursor: str | None) -> int | None:
    return cursor_int(cursor)


def next_cursor(ids: list[int], limit: int) -> str | None:
    return encode_cursor({"id": ids[-1]}) if len(ids) == limit and ids else None
