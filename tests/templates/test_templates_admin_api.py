"""Tenant admins read templates under /admin (their tenant's and platform-wide ones), never
another tenant's, and change nothing; sys operators narrow the list to one tenant."""

from __future__ import annotations

import httpx

from herald.runtime import Runtime
from tests.console.support import make_tenant_operator, sign_in

MJML = (
    "<mjml><mj-body><mj-section><mj-column><mj-text>{}</mj-text></mj-column>"
    "</mj-section></mj-body></mjml>"
)


async def _template(
    client: httpx.AsyncClient, h: dict[str, str], name: str, tenant: str | None
) -> int:
    body: dict[str, object] = {"name": name, "mjml": MJML.format(name)}
    if tenant:
        body["tenant"] = tenant
    r = await client.post("/sys/newsletter/templates", json=body, headers=h)
    assert r.status_code == 201, r.text
    template_id: int = r.json()["id"]
    return template_id


async def test_tenant_admins_read_their_templates_only_and_write_nothing(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    admin = await make_tenant_operator(runtime, "alpha")
    await make_tenant_operator(runtime, "beta")
    alpha = await _template(app_client, sys_headers, "Alpha news", "alpha")
    beta = await _template(app_client, sys_headers, "Beta news", "beta")
    shared = await _template(app_client, sys_headers, "Platform news", None)

    # Platform operators narrow the list to a tenant (its own and the platform-wide ones).
    r = await app_client.get(
        "/sys/newsletter/templates", params={"tenant": "alpha"}, headers=sys_headers
    )
    assert r.status_code == 200
    assert sorted(t["id"] for t in r.json()["items"]) == sorted([alpha, shared])
    r = await app_client.get("/sys/newsletter/templates", headers=sys_headers)
    assert {alpha, beta, shared} <= {t["id"] for t in r.json()["items"]}

    r = await app_client.get("/sys/newsletter/templates/gallery/digest", headers=sys_headers)
    assert r.status_code == 200
    assert r.json()["mjml"].lstrip().startswith("<mjml") and "<html" in r.json()["html"]
    r = await app_client.get("/sys/newsletter/templates/gallery/nope", headers=sys_headers)
    assert r.status_code == 404

    session = await sign_in(app_client, admin)
    h = {"x-csrf-token": session["csrf_token"]}
    r = await app_client.get("/admin/newsletter/templates", params={"tenant": "beta"})
    assert r.status_code == 200
    assert sorted(t["id"] for t in r.json()["items"]) == sorted([alpha, shared])
    r = await app_client.get(f"/admin/newsletter/templates/{alpha}")
    assert r.status_code == 200
    assert "Alpha news" in r.json()["mjml"] and "<html" in r.json()["html"]
    assert (await app_client.get(f"/admin/newsletter/templates/{shared}")).status_code == 200
    assert (await app_client.get(f"/admin/newsletter/templates/{beta}")).status_code == 404
    r = await app_client.get("/admin/newsletter/templates/gallery")
    assert r.status_code == 200 and len(r.json()["items"]) == 12
    assert (await app_client.get("/admin/newsletter/templates/gallery/digest")).status_code == 200

    # Every write exists only under /sys and refuses a tenant admin; /admin has no writes.
    for method, path, body in [
        ("POST", "/sys/newsletter/templates", {"name": "x", "mjml": MJML.format("x")}),
        ("PATCH", f"/sys/newsletter/templates/{alpha}", {"name": "x"}),
        ("DELETE", f"/sys/newsletter/templates/{alpha}", None),
        ("POST", "/sys/newsletter/templates/clone", {"template_id": alpha}),
        ("POST", f"/sys/newsletter/templates/{alpha}/preview", {}),
        ("GET", "/sys/newsletter/templates", None),
    ]:
        r = await app_client.request(method, path, headers=h, json=body)
        assert r.status_code == 403, (method, path, r.text)
    for method, path in [
        ("PATCH", f"/admin/newsletter/templates/{alpha}"),
        ("DELETE", f"/admin/newsletter/templates/{alpha}"),
        ("POST", "/admin/newsletter/templates"),
        ("POST", f"/admin/newsletter/templates/{alpha}/preview"),
    ]:
        r = await app_client.request(method, path, headers=h, json={"name": "x"})
        assert r.status_code in (404, 405), (method, path, r.text)
    r = await app_client.get(f"/sys/newsletter/templates/{alpha}", headers=sys_headers)
    assert r.json()["name"] == "Alpha news"


async def test_the_sample_preview_names_a_list_and_an_organisation(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_tenant_operator(runtime, "alpha")
    for tenant, expected in ((None, "Sample organisation"), ("alpha", "Alpha")):
        body: dict[str, object] = {"gallery_key": "digest"}
        if tenant:
            body["tenant"] = tenant
        r = await app_client.post("/sys/newsletter/templates/clone", json=body, headers=sys_headers)
        assert r.status_code == 201, r.text
        r = await app_client.post(
            f"/sys/newsletter/templates/{r.json()['id']}/preview", json={}, headers=sys_headers
        )
        assert r.status_code == 200, r.text
        assert f"This week at {expected}:" in r.json()["subject"]
        assert f"The {expected} Digest" in r.json()["html"]
        assert "None" not in r.json()["subject"]


async def test_thumbnails_show_designs_merged_for_a_sample_subscriber(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_tenant_operator(runtime, "alpha")
    r = await app_client.get("/sys/newsletter/templates/gallery/digest", headers=sys_headers)
    assert r.status_code == 200
    assert "{{" in r.json()["html"]  # the render itself keeps the merge tags
    sample = r.json()["sample_html"]
    assert "{{" not in sample and "The Sample organisation Digest" in sample
    r = await app_client.post(
        "/sys/newsletter/templates/clone",
        json={"gallery_key": "digest", "tenant": "alpha"},
        headers=sys_headers,
    )
    template_id = r.json()["id"]
    detail = (
        await app_client.get(f"/sys/newsletter/templates/{template_id}", headers=sys_headers)
    ).json()
    assert "The Alpha Digest" in detail["sample_html"] and "{{" not in detail["sample_html"]
    # A template that cannot merge without real data has no sample: its thumbnail is the render.
    r = await app_client.patch(
        f"/sys/newsletter/templates/{template_id}",
        json={
            "mjml": "<mjml><mj-body><mj-text>{{ data.required_value }}</mj-text></mj-body></mjml>"
        },
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sample_html"] is None and "required_value" in r.json()["html"]
