"""Pydantic shapes for lists, subscribers and subscriptions (API in/out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herald.kit.i18n import LANGUAGES


def check_timezone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > 64:
        raise ValueError("unknown time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


def check_language(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return code


class ListCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    tenant: str | None = None
    double_opt_in: bool = True
    timezone: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    languages: list[str] = Field(default_factory=lambda: ["en"])

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("languages")
    @classmethod
    def _langs(cls, value: list[str]) -> list[str]:
        return [check_language(v) or "en" for v in value] or ["en"]


class ListUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    double_opt_in: bool | None = None
    timezone: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    languages: list[str] | None = None
    archived: bool | None = None

    _tz = field_validator("timezone")(check_timezone)


class ListOut(BaseModel):
    id: int
    slug: str
    name: str
    tenant: str | None
    double_opt_in: bool
    timezone: str | None
    description: str | None = None
    languages: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: datetime | None = None
    counts: dict[str, int] | None = None


class SubscriptionOut(BaseModel):
    list: str
    list_id: int
    status: str
    status_changed_at: datetime | None = None
    confirmed_at: datetime | None = None


class SubscriberOut(BaseModel):
    id: int
    email: str
    name: str | None
    language: str
    timezone: str | None = None
    country: str | None = None
    source: str | None = None
    tenant: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    subscriptions: list[SubscriptionOut]


class SubscriberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    name: str | None = Field(default=None, max_length=200)
    language: str = "en"
    timezone: str | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    attributes: dict[str, Any] = Field(default_factory=dict)
    lists: list[str] = Field(default_factory=list)
    status: str = Field(default="pending", pattern="^(pending|active)$")
    tenant: str | None = None
    consent_source: str | None = Field(default=None, max_length=500)

    _tz = field_validator("timezone")(check_timezone)
    _lang = field_validator("language")(check_language)


class SubscriberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    language: str | None = None
    timezone: str | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    attributes: dict[str, Any] | None = None

    _tz = field_validator("timezone")(check_timezone)
    _lang = field_validator("language")(check_language)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
