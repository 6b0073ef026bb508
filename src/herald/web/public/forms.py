"""Read a request body as JSON, urlencoded or multipart, into plain strings and lists."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from herald.kit.errors import ValidationFailed

MAX_BODY = 64 * 1024


async def read_fields(request: Request) -> dict[str, Any]:
    """Fields of a small body. Repeated form keys become lists; files are ignored."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            form = await request.form(max_files=0, max_fields=100, max_part_size=MAX_BODY)
        except Exception as exc:
            raise ValidationFailed("malformed form body") from exc
        out: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                continue
            if key in out:
                existing = out[key]
                out[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                out[key] = value
        return out
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValidationFailed("body too large")
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("body must be JSON or a form") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object")
    return data


def as_text(value: Any, field: str, max_length: int = 500) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"{field} is too long", field=field)
    return value


def as_slug_list(data: dict[str, Any]) -> list[str]:
    raw: list[Any] = []
    for key in ("list", "lists"):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            raw.extend(value)
        elif isinstance(value, str):
            raw.extend(value.split(","))
        else:
            raise ValidationFailed(f"{key} must be a slug or a list of slugs", field=key)
    slugs = []
    for item in raw:
        if not isinstance(item, str) or len(item) > 64:
            raise ValidationFailed("list slugs must be short strings", field="lists")
        if item.strip():
            slugs.append(item.strip())
    return slugs
