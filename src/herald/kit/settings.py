"""Bootstrap settings from ``HERALD_*`` environment variables.

Everything else (tenants, lists, templates…) lives in the database. The names here are part of
the external contract (``shared/CONTRACT.md``) and must not be renamed.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Providers redeliver events for up to 24 h (Mailjet, Event Grid) and reporting MTAs retry a
# DSN for up to 5 days (Postfix/sendmail queue lifetime); a purged row can no longer tell a
# redelivery from a new event, so rows live at least a week.
MIN_DELIVERY_EVENT_RETENTION_DAYS = 7


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HERALD_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./herald.db"
    data_dir: Path = Path(".herald")
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    distributors: str = "null"
    smtp_url: str | None = None
    smtp_pool_size: int = 4
    mailjet_api_key: str | None = None
    mailjet_api_secret: str | None = None
    mailjet_api_url: str = "https://api.mailjet.com"
    acs_endpoint: str | None = None
    acs_access_key: str | None = None
    acs_poll_seconds: float = 0.0  # follow each ACS operation to Succeeded/Failed for this long
    mailjet_sandbox: bool = False  # Send API SandboxMode: validate without delivering
    bounce_domain: str | None = None  # VERP Return-Path domain (bounces+token@…); SMTP only
    breaker_threshold: int = 5  # consecutive temporary failures that open a distributor's circuit
    breaker_cooldown_seconds: float = 30.0  # open → half-open probe after this long
    distributor_timeout_seconds: float = 60.0  # a send call slower than this counts as failed
    webhook_secret: str | None = None  # /_internal/distributor-webhook/{mailjet,acs} secret
    ses_topic_arns: str = ""  # comma-separated SNS topics whose SES feedback is accepted
    # delivery_events rows older than this (since received) are purged; they are the dedupe
    # memory for redelivered reports, so never shorter than MIN_DELIVERY_EVENT_RETENTION_DAYS
    delivery_event_retention_days: int = 180
    turnstile_secret: str | None = None
    turnstile_sitekey: str | None = None
    turnstile_verify_url: str = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    trusted_proxies: str = ""
    postal_address: str | None = None
    ai_provider: str = "none"
    gemini_api_key: str | None = None
    gemini_base_url: str | None = None
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    ai_model: str | None = None
    spamd_address: str | None = None
    redis_url: str | None = None
    env: str = "dev"
    log_level: str = "INFO"
    log_format: str = Field(default="json")
    subscribe_rate_limit: int = 5
    subscribe_rate_window_seconds: int = 3600
    default_from_email: str = "newsletter@herald.example"
    default_from_name: str = "Herald"
    worker_poll_seconds: float = 1.0
    statement_timeout_ms: int = 5000
    sender_domains: str = ""  # From domains verified at the provider (comma-separated)
    dispatch_batch: int = 500  # ledger rows one worker claims at a time
    dispatch_lease_seconds: int = 300  # a claimed row whose worker died is re-claimable after
    dispatch_budget_seconds: float = 20.0  # one dispatcher pass sends for at most this long
    quiet_hours_start: int = 22  # recipient-local hour when marketing sends stop
    quiet_hours_end: int = 7  # … and resume
    # A directory of transactional templates that extends and overrides the packaged ones.
    transactional_templates_dir: Path | None = None
    console_idle_minutes: int = 120  # a console session unused this long ends
    console_session_hours: int = 12  # … and every session ends this long after sign-in
    login_rate_limit: int = 10  # sign-in attempts per account (and 5× that per IP) …
    login_rate_window_seconds: int = 900  # … per this window
    console_dir: Path | None = None  # the built console; default: herald/web/console_dist

    @field_validator("distributors")
    @classmethod
    def _distributors(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        known = {"null", "smtp", "mailjet", "acs"}
        unknown = [n for n in names if n not in known]
        if not names or unknown:
            raise ValueError(f"HERALD_DISTRIBUTORS: unknown distributor(s) {unknown or value!r}")
        return ",".join(names)

    @field_validator("delivery_event_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value < MIN_DELIVERY_EVENT_RETENTION_DAYS:
            raise ValueError(
                "HERALD_DELIVERY_EVENT_RETENTION_DAYS must be at least "
                f"{MIN_DELIVERY_EVENT_RETENTION_DAYS} (the dedupe window for redelivered reports)"
            )
        return value

    @property
    def distributor_chain(self) -> list[str]:
        return self.distributors.split(",")

    @property
    def ses_topic_arn_list(self) -> list[str]:
        return [a.strip() for a in self.ses_topic_arns.split(",") if a.strip()]

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for part in self.trusted_proxies.split(","):
            part = part.strip()
            if part:
                nets.append(ipaddress.ip_network(part, strict=False))
        return nets

    def sender_domain_set(self) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in self.sender_domains.split(",") if d.strip())

    @property
    def https(self) -> bool:
        return self.base_url.lower().startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_keys(self) -> list[bytes]:
        """All HMAC keys: the first signs, every one verifies (rotation).

        ``HERALD_SECRET_KEY`` may hold several comma-separated keys, newest first. When unset, a
        key is generated once into the data directory and reused on every start.
        """
        raw = self.secret_key or _load_or_create_secret(self.data_dir)
        keys = [k.strip().encode() for k in raw.split(",") if k.strip()]
        if not keys:
            raise ValueError("HERALD_SECRET_KEY is empty")
        return keys


def _load_or_create_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
