"""Telling machine opens and clicks from human ones.

- Apple Mail Privacy Protection fetches every image through Apple's proxy as soon as mail
  arrives, with the bare user agent ``Mozilla/5.0``.
- Security gateways and link scanners (Proofpoint, Mimecast, Barracuda, Microsoft Safe Links,
  headless browsers, HTTP libraries) identify themselves in the user agent, or fetch within
  seconds of delivery — faster than a person opens mail.
Gmail's image proxy (``GoogleImageProxy``) fetches when the person opens the mail, so it counts as
human.
"""

from __future__ import annotations

import re
from datetime import datetime

SCANNER_WINDOW_SECONDS = 10.0
_APPLE_MPP = "mozilla/5.0"
_BOTS = re.compile(
    r"bot\b|crawler|spider|scanner|barracuda|proofpoint|mimecast|safelinks|symantec|trendmicro|"
    r"forcepoint|fortinet|sophos|headlesschrome|phantomjs|python-requests|python-urllib|"
    r"curl/|wget/|go-http-client|java/|okhttp|libwww|httpclient|preview|facebookexternalhit|"
    r"slackbot|linkexpander",
    re.IGNORECASE,
)


def machine_agent(user_agent: str | None) -> bool:
    if not user_agent or not user_agent.strip():
        return True
    ua = user_agent.strip()
    if ua.lower() == _APPLE_MPP:
        return True
    if "googleimageproxy" in ua.lower():
        return False
    return bool(_BOTS.search(ua))


def is_machine(
    user_agent: str | None, occurred_at: datetime, delivered_at: datetime | None
) -> bool:
    if machine_agent(user_agent):
        return True
    if delivered_at is not None:
        return 0 <= (occurred_at - delivered_at).total_seconds() < SCANNER_WINDOW_SECONDS
    return False
