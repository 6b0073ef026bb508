"""The embeddable signup form page."""

from __future__ import annotations

import httpx

from tests.test_public_flow import make_list


async def test_embed_form(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_list(app_client, sys_headers, "news")
    r = await app_client.get("/public/newsletter/embed/news", headers={"accept-language": "fr"})
    assert r.status_code == 200
    assert 'lang="fr"' in r.text
    assert "S’abonner à News" in r.text
    for field in ('name="email"', 'name="timezone"', 'name="website"', 'name="list" value="news"'):
        assert field in r.text
    assert "frame-ancestors" not in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "challenges.cloudflare.com" not in r.text  # captcha off: no third-party script
    js = await app_client.get("/public/newsletter/embed.js")
    assert js.status_code == 200
    assert "resolvedOptions().timeZone" in js.text
    assert (await app_client.get("/public/newsletter/embed/missing")).status_code == 404
    hostile = await app_client.get(
        "/public/newsletter/embed/news", params={"form_id": '"><script>alert(1)</script>'}
    )
    assert "<script>alert(1)</script>" not in hostile.text


async def test_home_page_lists_signup_forms(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_list(app_client, sys_headers, "news")
    r = await app_client.get("/")
    assert r.status_code == 307
    assert r.headers["location"] == "/console/"
    r = await app_client.get("/signup")
    assert r.status_code == 200
    assert '/public/newsletter/embed/news"' in r.text
    assert (await app_client.get("/docs")).status_code == 404  # no CDN-backed pages
