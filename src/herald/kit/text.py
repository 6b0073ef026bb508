"""Text rules shared by every layer: address normalisation and header safety."""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from herald.kit.errors import ValidationFailed

_HEADER_FORBIDDEN = re.compile(r"[\r\n\x00]")
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")
MAX_EMAIL_LENGTH = 254
# The common case (plain ASCII dot-atom addresses) checked by one regular expression, ~10x faster
# than the full validator; anything unusual (quotes, IDNA, UTF-8, odd dots) takes the full path.
# Both paths accept and normalise the same set of addresses for the inputs the fast path takes.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_FAST_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_FAST_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?P<tld>[a-z](?:[a-z0-9-]{{0,61}}[a-z])?)")
# Special-use names (RFC 6761: "test", "localhost", …) the validator refuses. Single-label names
# are matched against the top-level label the fast pattern captures; any longer ones by suffix.
_SPECIAL_TLDS = frozenset(d for d in SPECIAL_USE_DOMAIN_NAMES if "." not in d)
_SPECIAL_SUFFIXES = tuple(d for d in SPECIAL_USE_DOMAIN_NAMES if "." in d)
# Whether a (lower-cased) domain may take the fast path. Addresses share few domains, so an
# import of a million rows checks each domain once.
_fast_domains: dict[str, bool] = {}
_FAST_DOMAINS_KEPT = 100_000


def normalise_email(raw: str) -> str:
    """Return the canonical form used for identity: trimmed, syntax-checked, lower-cased.

    Local parts are case-sensitive in theory; in practice every mailbox provider treats them
    case-insensitively and users type them in mixed case, so identity is case-insensitive.
    No DNS lookup is made (deliverability is learned from bounces).
    """
    text = (raw or "").strip()
    if not text or len(text) > MAX_EMAIL_LENGTH:
        raise ValidationFailed("invalid email address", field="email")
    lowered = text.lower()
    at = lowered.find("@")
    if 0 < at <= 64 and _FAST_LOCAL.fullmatch(lowered, 0, at):  # never matches CR, LF or NUL
        domain = lowered[at + 1 :]
        fast = _fast_domains.get(domain)
        if fast is None:
            fast = _fast_domain(domain)
            if len(_fast_domains) < _FAST_DOMAINS_KEPT:
                _fast_domains[domain] = fast
        if fast:
            return lowered
    if _HEADER_FORBIDDEN.search(text):
        raise ValidationFailed("invalid email address", field="email")
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"invalid email address: {exc}", field="email") from exc
    return result.normalized.lower()


def _fast_domain(domain: str) -> bool:
    match = _FAST_DOMAIN.fullmatch(domain)  # a second "@" never matches
    return (
        match is not None
        and match["tld"] not in _SPECIAL_TLDS
        and "--" not in domain  # "--" labels (IDNA) take the full path
        and not any(domain == d or domain.endswith("." + d) for d in _SPECIAL_SUFFIXES)
    )


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1]


def ensure_header_safe(value: str, field: str) -> str:
    """Reject CR, LF and NUL (also when hidden in an RFC 2047 encoded word).

    Substring tests first: this runs for every header of every message sent, and a value
    without "=?" cannot hold an encoded word.
    """
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValidationFailed(f"{field} must not contain line breaks or NUL", field=field)
    if "=?" not in value:
        return value
    for word in _ENCODED_WORD.findall(value):
        import email.header

        try:
            decoded = "".join(
                part.decode(charset or "ascii", "replace") if isinstance(part, bytes) else part
                for part, charset in email.header.decode_header(word)
            )
        except (ValueError, LookupError) as exc:
            raise ValidationFailed(f"{field} has a malformed encoded word", field=field) from exc
        if _HEADER_FORBIDDEN.search(decoded):
            raise ValidationFailed(f"{field} must not contain line breaks or NUL", field=field)
    return value


_CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(value: object) -> str:
    """Neutralise spreadsheet formula injection (OWASP ASVS 1.2.10): prefix a quote."""
    text = "" if value is None else str(value)
    if text.startswith(_CSV_DANGEROUS):
        return "'" + text
    return text
