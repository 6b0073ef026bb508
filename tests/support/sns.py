"""An SNS publisher for tests: a self-signed RSA certificate and messages signed the way SNS
signs them (SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA), plus the fetcher that serves
the certificate in place of ``sns.<region>.amazonaws.com``."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from herald.delivery.webhooks.sns import string_to_sign

REGION = "eu-west-1"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:ses-feedback"
CERT_URL = f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sns.{REGION}.amazonaws.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))  # tests freeze the clock in 2026
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class FakeSns:
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    fetched: list[str] = field(default_factory=list)
    fail: bool = False

    def __post_init__(self) -> None:
        self.pem = _certificate(self.key)

    async def fetch(self, url: str) -> bytes:
        """The injected fetcher: serves the certificate and answers SubscribeURL calls."""
        from herald.delivery.webhooks.common import WebhookUnavailable

        self.fetched.append(url)
        if self.fail:
            raise WebhookUnavailable("network down")
        if url.endswith(".pem"):
            return self.pem
        return b"<ConfirmSubscriptionResponse/>"

    def sign(self, message: dict[str, Any], version: str = "2") -> dict[str, Any]:
        message = {**message, "SignatureVersion": version}
        message.setdefault("SigningCertURL", CERT_URL)
        # SignatureVersion 1 is SHA1withRSA by SNS's definition.
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
        signature = self.key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
        message["Signature"] = base64.b64encode(signature).decode()
        return message

    def notification(
        self, ses_message: dict[str, Any], *, version: str = "2", message_id: str | None = None
    ) -> dict[str, Any]:
        return self.sign(
            {
                "Type": "Notification",
                "MessageId": message_id or str(uuid.uuid4()),
                "TopicArn": TOPIC,
                "Message": json.dumps(ses_message),
                "Timestamp": "2026-06-01T12:00:00.000Z",
                "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe",
            },
            version,
        )

    def confirmation(self, *, subscribe_url: str | None = None) -> dict[str, Any]:
        token = "2336412f37fb687f5d51e6e2425c464de12884"
        return self.sign(
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": str(uuid.uuid4()),
                "Token": token,
                "TopicArn": TOPIC,
                "Message": f"You have chosen to subscribe to the topic {TOPIC}.",
                "SubscribeURL": subscribe_url
                or f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription"
                f"&TopicArn={TOPIC}&Token={token}",
                "Timestamp": "2026-06-01T12:00:00.000Z",
            }
        )


def ses_bounce(
    recipient: str,
    message_id_header: str,
    *,
    bounce_type: str = "Permanent",
    status: str = "5.1.1",
    timestamp: str = "2026-06-01T11:59:58.123Z",
) -> dict[str, Any]:
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": status,
                    "diagnosticCode": f"smtp; 550 {status} <{recipient}>: address rejected",
                }
            ],
            "timestamp": timestamp,
            "feedbackId": "0102017f-bounce-feedback-000000",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
        },
        "mail": {
            "timestamp": "2026-06-01T11:59:57.000Z",
            "source": "news@herald.example",
            "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/herald.example",
            "messageId": "0102017f6e7b8f1a-0a1b2c3d-ses-000000",
            "destination": [recipient],
            "headersTruncated": False,
            "headers": [{"name": "Message-ID", "value": message_id_header}],
            "commonHeaders": {
                "from": ["Herald <news@herald.example>"],
                "to": [recipient],
                "messageId": message_id_header,
                "subject": "June news",
            },
        },
    }


def ses_complaint(recipient: str, message_id_header: str) -> dict[str, Any]:
    base = ses_bounce(recipient, message_id_header)
    del base["bounce"]
    base["notificationType"] = "Complaint"
    base["complaint"] = {
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": "2026-06-01T12:05:00.000Z",
        "feedbackId": "0102017f-complaint-000000",
        "complaintFeedbackType": "abuse",
        "userAgent": "Yahoo!-Mail-Feedback/2.0",
    }
    return base
