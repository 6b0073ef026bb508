"""Amazon SES feedback through SNS: message signature verification and SES event parsing.

Verification (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):

1. ``SigningCertURL`` must be ``https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-
   <id>.pem`` — no other scheme, host, port, credentials, query or path is fetched (SSRF);
2. ``TopicArn`` must be one the operator allowed (``HERALD_SES_TOPIC_ARNS``): anyone can publish
   genuinely SNS-signed messages from a topic of their own, so the signature alone proves little;
3. the certificate (fetched through an injectable fetcher, cached per URL, validity checked)
   verifies ``Signature`` over the canonical string — SHA1withRSA for ``SignatureVersion`` 1,
   SHA256withRSA for 2.

A ``SubscriptionConfirmation`` is confirmed by GET-ing ``SubscribeURL`` only after all of that,
and only when that URL is itself on an SNS host over https.

The SNS ``MessageId`` is unique per published message and reused by SNS retries: it is the
dedupe key (suffixed with the recipient index when one SES event names several recipients).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from herald.delivery import ids
from herald.delivery.feedback import EventKind, FeedbackEvent, normalise_recipient
from herald.delivery.feedback.status import find_status, is_policy
from herald.delivery.webhooks.common import (
    WebhookUnavailable,
    as_list,
    iso_time,
    load_json,
    malformed,
    text,
)
from herald.kit import clock
from herald.kit.errors import PermissionDenied

PROVIDER = "ses"
MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_CERT_PATH = re.compile(r"^/SimpleNotificationService-[A-Za-z0-9]+\.pem$")
_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CERT_BYTES = 64 * 1024
CERT_CACHE_SIZE = 32

Fetcher = Callable[[str], Awaitable[bytes]]


async def http_fetch(url: str) -> bytes:
    """GET ``url`` (no redirects, 10 s); transport failures and non-2xx are transient."""
    try:
        async with httpx.AsyncClient(
            timeout=10.0, follow_redirects=False, headers={"User-Agent": "herald"}
        ) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise WebhookUnavailable(
            f"GET {urlsplit(url).netloc} failed: {type(exc).__name__}"
        ) from exc
    if not 200 <= response.status_code < 300:
        raise WebhookUnavailable(f"GET {urlsplit(url).netloc} answered {response.status_code}")
    return response.content[: MAX_CERT_BYTES + 1]


def is_sns_url(url: str, *, certificate: bool) -> bool:
    """An https URL on an SNS host (``sns.<region>.amazonaws.com``), nothing else: no port, no
    credentials; a certificate URL also has the exact ``SimpleNotificationService-….pem`` path."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or port is not None or parts.username or parts.password:
        return False
    if "@" in parts.netloc or not _SNS_HOST.match(parts.netloc):
        return False
    if certificate:
        return bool(_CERT_PATH.match(parts.path)) and not parts.query and not parts.fragment
    return not parts.fragment


def string_to_sign(message: dict[str, Any]) -> bytes:
    fields = _NOTIFICATION_FIELDS if message.get("Type") == "Notification" else _CONFIRMATION_FIELDS
    out = []
    for name in fields:
        value = message.get(name)
        if value is None:
            if name == "Subject":
                continue
            raise malformed(f"SNS message without {name}")
        out.append(f"{name}\n{value}\n")
    return "".join(out).encode()


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    message_id: str
    topic_arn: str
    message: str
    subscribe_url: str | None
    raw: dict[str, Any]


def parse_envelope(body: bytes, header_type: str | None) -> Envelope:
    data = load_json(body)
    if not isinstance(data, dict):
        raise malformed("SNS body must be a JSON object")
    kind = data.get("Type")
    if kind not in MESSAGE_TYPES:
        raise malformed("unknown SNS message type")
    if header_type and header_type != kind:
        raise malformed("x-amz-sns-message-type does not match the body")
    for name in ("MessageId", "TopicArn", "Message", "Timestamp", "Signature", "SigningCertURL"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise malformed(f"SNS message without {name}")
    return Envelope(
        type=kind,
        message_id=data["MessageId"],
        topic_arn=data["TopicArn"],
        message=data["Message"],
        subscribe_url=data.get("SubscribeURL")
        if isinstance(data.get("SubscribeURL"), str)
        else None,
        raw=data,
    )


class SnsVerifier:
    def __init__(self, topic_arns: frozenset[str], fetch: Fetcher = http_fetch) -> None:
        self.topic_arns = topic_arns
        self.fetch = fetch
        self._certs: dict[str, rsa.RSAPublicKey] = {}

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        cached = self._certs.get(url)
        if cached is not None:
            return cached
        pem = await self.fetch(url)
        if len(pem) > MAX_CERT_BYTES:
            raise PermissionDenied("signing certificate too large")
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise PermissionDenied("signing certificate unreadable") from exc
        now = clock.now()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise PermissionDenied("signing certificate expired or not yet valid")
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise PermissionDenied("signing certificate is not RSA")
        if len(self._certs) >= CERT_CACHE_SIZE:
            self._certs.pop(next(iter(self._certs)))
        self._certs[url] = key
        return key

    async def verify(self, envelope: Envelope) -> None:
        """Raise PermissionDenied unless the message is SNS-signed for an allowed topic."""
        raw = envelope.raw
        algorithm = _HASHES.get(str(raw.get("SignatureVersion") or ""))
        if algorithm is None:
            raise PermissionDenied("unsupported SNS SignatureVersion")
        cert_url = str(raw["SigningCertURL"])
        if not is_sns_url(cert_url, certificate=True):
            raise PermissionDenied("SigningCertURL is not an SNS certificate URL")
        if envelope.topic_arn not in self.topic_arns:
            raise PermissionDenied("TopicArn is not allowed (HERALD_SES_TOPIC_ARNS)")
        try:
            signature = base64.b64decode(str(raw["Signature"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PermissionDenied("Signature is not base64") from exc
        to_sign = string_to_sign(raw)
        key = await self._public_key(cert_url)
        try:
            key.verify(signature, to_sign, padding.PKCS1v15(), algorithm())
        except InvalidSignature as exc:
            raise PermissionDenied("SNS signature does not verify") from exc

    async def confirm(self, envelope: Envelope) -> None:
        url = envelope.subscribe_url
        if not url or not is_sns_url(url, certificate=False):
            raise PermissionDenied("SubscribeURL is not an SNS URL")
        await self.fetch(url)


# --- SES events carried in the SNS Message -----------------------------------------------

_SES_TYPES = {
    "bounce": "bounce",
    "complaint": "complaint",
    "delivery": "delivery",
    "reject": "reject",
    "open": "open",
    "click": "click",
}


def _message_key(mail: dict[str, Any], secrets: list[bytes]) -> ids.MessageKey | None:
    candidates: list[str] = []
    common = mail.get("commonHeaders")
    if isinstance(common, dict) and isinstance(common.get("messageId"), str):
        candidates.append(common["messageId"])
    headers = mail.get("headers")
    if isinstance(headers, list):
        for header in headers:
            if not isinstance(header, dict):
                continue
            name = str(header.get("name") or "").lower()
            if name in ("message-id", "x-herald-message-id") and isinstance(
                header.get("value"), str
            ):
                candidates.append(header["value"])
    for candidate in candidates:
        key = ids.parse_message_id(candidate, secrets)
        if key is not None:
            return key
    return None


def _bounce_kind(bounce: dict[str, Any], recipient: dict[str, Any]) -> EventKind:
    code = find_status(recipient.get("status"), recipient.get("diagnosticCode"))
    if code is not None and is_policy(code):
        return EventKind.BLOCKED  # policy / authentication: not the mailbox's fault
    if bounce.get("bounceType") == "Permanent":
        return EventKind.BOUNCE_HARD
    return EventKind.BOUNCE_SOFT  # Transient, Undetermined


def ses_events(envelope: Envelope, secrets: list[bytes]) -> list[FeedbackEvent]:
    """The SES notification (``notificationType``) or event publishing record (``eventType``)
    in an SNS Notification, one event per recipient. Other types are ignored."""
    payload = load_json(envelope.message.encode())
    if not isinstance(payload, dict):
        raise malformed("SES message must be a JSON object")
    name = str(payload.get("notificationType") or payload.get("eventType") or "").lower()
    section_name = _SES_TYPES.get(name)
    if section_name is None:
        return []
    mail = payload.get("mail")
    if not isinstance(mail, dict):
        raise malformed("SES message without mail")
    section = payload.get(section_name)
    if not isinstance(section, dict):
        raise malformed(f"SES {name} without its {section_name} object")
    key = _message_key(mail, secrets)
    ses_id = text(mail.get("messageId"))
    when = section.get("timestamp") or mail.get("timestamp")
    rows: list[tuple[EventKind, Any, dict[str, Any]]] = []
    if section_name == "bounce":
        detail = {"bounce_type": section.get("bounceType"), "subtype": section.get("bounceSubType")}
        for r in as_list(section.get("bouncedRecipients") or []):
            rows.append(
                (
                    _bounce_kind(section, r),
                    r.get("emailAddress"),
                    {**detail, "status": r.get("status"), "diagnostic": r.get("diagnosticCode")},
                )
            )
    elif section_name == "complaint":
        feedback = section.get("complaintFeedbackType")
        if feedback == "not-spam":
            return []
        detail = {"feedback_type": feedback, "subtype": section.get("complaintSubType")}
        for r in as_list(section.get("complainedRecipients") or []):
            rows.append((EventKind.COMPLAINT, r.get("emailAddress"), detail))
    elif section_name == "delivery":
        for address in section.get("recipients") or []:
            rows.append((EventKind.DELIVERED, address, {"smtp": section.get("smtpResponse")}))
    else:
        kind = {"reject": EventKind.BLOCKED, "open": EventKind.OPEN, "click": EventKind.CLICK}[
            section_name
        ]
        detail = {"reason": section.get("reason"), "url": section.get("link")}
        for address in mail.get("destination") or []:
            rows.append((kind, address, detail))
    occurred = iso_time(when)
    events = []
    for index, (kind, address, detail) in enumerate(rows):
        event_id = envelope.message_id if len(rows) == 1 else f"{envelope.message_id}/{index}"
        events.append(
            FeedbackEvent(
                provider=PROVIDER,
                kind=kind,
                occurred_at=occurred,
                event_id=event_id,
                message_key=key,
                provider_message_id=ses_id,
                recipient=normalise_recipient(address),
                detail={k: v for k, v in detail.items() if v not in (None, "")},
            )
        )
    return events
