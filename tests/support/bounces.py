"""The bounce-mailbox samples (tests/delivery/samples) with their signed values filled in."""

from __future__ import annotations

from pathlib import Path

from herald.delivery import ids
from herald.kit.tokens import Purpose, TokenSigner

SAMPLES = Path(__file__).resolve().parent.parent / "delivery" / "samples"
BOUNCE_DOMAIN = "bounces.news.example.com"
SENDER_DOMAIN = "news.example.com"
CAMPAIGN = 1001


def sample(name: str, *, verp: str = "", message_id: str = "", unsub_token: str = "") -> bytes:
    raw = (SAMPLES / name).read_bytes()
    for placeholder, value in (
        (b"%%VERP%%", verp),
        (b"%%MESSAGE_ID%%", message_id),
        (b"%%UNSUB_TOKEN%%", unsub_token),
    ):
        raw = raw.replace(placeholder, value.encode())
    return raw


def verp(signer: TokenSigner, subscriber_id: int, campaign_id: int = CAMPAIGN) -> str:
    return ids.return_path(signer, ids.marketing_key(campaign_id, subscriber_id), BOUNCE_DOMAIN)


def message_id(secret: bytes, subscriber_id: int, campaign_id: int = CAMPAIGN) -> str:
    return ids.message_id(ids.marketing_key(campaign_id, subscriber_id), SENDER_DOMAIN, secret)


def forged(token_address: str) -> str:
    """The same VERP address with one character of its MAC changed. Not the last one: the last
    base64 character of the 20-byte MAC also holds two padding bits, so some changes there
    decode to the same MAC."""
    local, _, domain = token_address.rpartition("@")
    flipped = local[:-5] + ("A" if local[-5] != "A" else "B") + local[-4:]
    return f"{flipped}@{domain}"


def unsub_token(signer: TokenSigner, subscriber_id: int, list_id: int) -> str:
    return signer.issue(Purpose.UNSUB, subscriber_id, list_id)
