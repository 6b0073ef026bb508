"""Opaque keyset-pagination cursors."""

from __future__ import annotations

import base64
import json
from typing import Any

from herald.kit.errors import ValidationFailed


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("malformed cursor", field="cursor")
    return data


def cursor_int(cursor: str | None, key: str = "id") -> int | None:
    value = decode_cursor(cursor).get(key)
    if value is None:
        return None
    if not isinstance(value, int):
        raise ValidationFailed("malformed cursor", field="cursor")
    return value
