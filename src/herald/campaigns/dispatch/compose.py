"""Per-campaign preparation (once) and per-recipient composition (hot path).

:class:`CampaignKit` holds everything that is the same for every recipient: the compiled,
slotted template, the link-slot → link-id map, the subject template, the footer strings per
language. :meth:`CampaignKit.compose` then only merges, signs tokens and fills slots.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from herald.delivery import ids
from herald.delivery.message import Category, OutgoingMessage
from herald.kit import i18n
from herald.kit.tokens import Purpose, TokenSigner
from herald.templates import merge, sandbox

_LINE_BREAKS = re.compile(r"[\r\n\x00]+")


@dataclass(frozen=True, slots=True)
class Recipient:
    delivery_id: int
    subscriber_id: int
    email: str
    name: str | None
    language: str
    country: str | None
    timezone: str | None
    attributes: dict[str, Any]
    list_id: int
    variant: str | None = None


@dataclass(slots=True)
class CampaignKit:
    campaign_id: int
    tenant_id: int | None
    base_url: str
    signer: TokenSigner
    prepared: merge.Prepared
    link_ids: list[int]  # slot n (1-based) → campaign_links.id
    subject: Any  # compiled Jinja (text environment)
    from_email: str
    from_name: str | None
    reply_to: str | None
    preheader: str
    campaign_name: str
    postal_address: str
    lists: dict[int, tuple[str, str]]  # list id → (slug, name)
    tenant: dict[str, Any] | None
    merge_data: dict[str, Any]
    list_ids: list[int] = field(default_factory=list)
    default_zone: Any = None  # ZoneInfo for recipients without a time zone
    track: bool = True
    unsubscribe_mailbox: str | None = None
    _footers: dict[tuple[str, int], tuple[str, str, str]] = field(default_factory=dict)

    def _footer_strings(self, lang: str, list_id: int) -> tuple[str, str, str]:
        """The footer's translated strings, once per (language, list) for the whole send."""
        found = self._footers.get((lang, list_id))
        if found is None:
            list_name = self.lists.get(list_id, ("", ""))[1]
            found = (
                i18n.translate(lang, "footer.why", list=list_name),
                i18n.translate(lang, "footer.preferences"),
                i18n.translate(lang, "footer.unsubscribe"),
            )
            self._footers[(lang, list_id)] = found
        return found

    def footer(self, r: Recipient, lang: str, prefs_url: str, unsub_url: str) -> tuple[str, str]:
        why, prefs, unsub = self._footer_strings(lang, r.list_id)
        e = htmllib.escape
        html = (
            '<div style="margin:0 auto;max-width:600px;padding:24px 16px;text-align:center;'
            "font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:1.5;"
            'color:#555555">'
            f'<p style="margin:0 0 8px">{e(why)}</p>'
            f'<p style="margin:0 0 8px">{e(self.postal_address)}</p>'
            f'<p style="margin:0"><a href="{e(prefs_url)}" style="color:#555555">{e(prefs)}</a>'
            f' &middot; <a href="{e(unsub_url)}" style="color:#555555">{e(unsub)}</a></p>'
            "</div>"
        )
        text = f"\n\n--\n{why}\n{self.postal_address}\n{prefs}: {prefs_url}\n{unsub}: {unsub_url}\n"
        return html, text

    def compose(self, r: Recipient) -> OutgoingMessage:
        signer, base = self.signer, self.base_url
        lang = i18n.normalise_language(r.language)
        unsub_token = signer.issue(Purpose.UNSUB, r.subscriber_id, r.list_id)
        prefs_token = signer.issue(Purpose.PREFS, r.subscriber_id)
        one_click = f"{base}/public/newsletter/list-unsubscribe/{unsub_token}"
        unsub_page = f"{one_click}?lang={lang}"
        prefs_url = f"{base}/{lang}/newsletter/preferences?token={prefs_token}"
        footer_html, footer_text = self.footer(r, lang, prefs_url, unsub_page)
        slug, list_name = self.lists.get(r.list_id, ("", ""))
        context = merge.build_context(
            subscriber={
                "id": r.subscriber_id,
                "email": r.email,
                "name": r.name,
                "language": lang,
                "country": r.country,
                "timezone": r.timezone,
                "attributes": r.attributes,
            },
            list_={"slug": slug, "name": list_name},
            tenant=self.tenant,
            campaign={
                "id": self.campaign_id,
                "name": self.campaign_name,
                "subject": "",
                "preheader": self.preheader,
            },
            merge_data=self.merge_data,
        )
        subject = _LINE_BREAKS.sub(" ", sandbox.render(self.subject, context)).strip()
        context["campaign"]["subject"] = subject
        context["preferences_url"] = prefs_url
        context["unsubscribe_url"] = unsub_page
        link = None
        pixel = None
        if self.track:
            link_ids = self.link_ids

            def link(n: int) -> str:
                token = signer.issue(Purpose.CLICK, r.subscriber_id, link_ids[n - 1])
                return f"{base}/public/newsletter/click/{token}"

            open_token = signer.issue(Purpose.OPEN, r.subscriber_id, self.campaign_id)
            pixel = f"{base}/public/newsletter/open/{open_token}.png"
        html, text = self.prepared.render(
            context, link=link, footer_html=footer_html, footer_text=footer_text, pixel_url=pixel
        )
        list_unsubscribe = f"<{one_click}>"
        if self.unsubscribe_mailbox:
            subject_param = quote("unsubscribe " + unsub_token)
            list_unsubscribe += f", <mailto:{self.unsubscribe_mailbox}?subject={subject_param}>"
        key = ids.marketing_key(self.campaign_id, r.subscriber_id)
        headers = {
            "List-Unsubscribe": list_unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Feedback-ID": f"{self.campaign_id}:{self.tenant_id or 0}:marketing:herald",
        }
        if slug:
            domain = self.from_email.rpartition("@")[2]
            headers["List-Id"] = f"{list_name.replace('<', '').replace('>', '')} <{slug}.{domain}>"
        return OutgoingMessage(
            category=Category.MARKETING,
            sender=self.from_email,
            sender_name=self.from_name,
            recipient=r.email,
            recipient_name=r.name,
            subject=subject,
            text=text,
            html=html,
            reply_to=self.reply_to,
            idempotency_key=str(key),
            headers=headers,
            tenant_id=self.tenant_id,
            tags={"campaign_id": self.campaign_id, "delivery_id": r.delivery_id},
        )
