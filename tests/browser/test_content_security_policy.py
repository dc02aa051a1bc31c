"""In the real browser: the pages people use run under the Content-Security-Policy without a single
violation (scripts, htmx, charts, the genealogy picture, the API documentation)."""

from __future__ import annotations

import pytest

from bioseg.production.models import Lot

pytestmark = [pytest.mark.browser]


def test_no_page_breaks_the_content_security_policy(demo_server, page):
    base, password = demo_server
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "suzhou-qa")
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/")
    wcb = Lot.objects.get(lot_number="XH-WCB-2601")
    urls = [
        "/",
        "/lots/",
        f"/lots/{wcb.pk}/",
        f"/lots/{wcb.pk}/trace/?direction=forward",
        "/shipments/",
        "/api/v1/docs",
    ]
    seen = []
    for url in urls:
        response = page.goto(f"{base}{url}")
        page.wait_for_load_state("networkidle")
        seen.append((url, response.status, response.headers.get("content-security-policy", "")[:18]))
    assert seen == [(url, 200, "default-src 'self'") for url in urls]
    assert page.locator(".swagger-ui").count() == 1  # the documentation's script ran
    assert violations == [], violations
