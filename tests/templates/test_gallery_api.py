"""Every gallery design can be listed, cloned and previewed through the API."""

from __future__ import annotations

import httpx


async def test_clone_and_preview_every_gallery_template(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    r = await app_client.get("/sys/newsletter/templates/gallery", headers=sys_headers)
    keys = [item["key"] for item in r.json()["items"]]
    assert len(keys) == 12
    for key in keys:
        r = await app_client.post(
            "/sys/newsletter/templates/clone", json={"gallery_key": key}, headers=sys_headers
        )
        assert r.status_code == 201, r.text
        template_id = r.json()["id"]
        r = await app_client.post(
            f"/sys/newsletter/templates/{template_id}/preview", json={}, headers=sys_headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["text"].strip() and "<html" in r.json()["html"]
