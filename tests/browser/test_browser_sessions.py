"""The session cookie in a real browser: a reload keeps the sign-in, a sign-out in another tab
ends it in this one, the cookies are HttpOnly and SameSite=Strict, and every response carries
the security headers."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import WAIT_MS, screenshot, sign_in, wait_until_shown

pytestmark = pytest.mark.browser

CSP_MUST = ("default-src 'self'", "frame-ancestors 'none'", "img-src 'self' data: blob:")


def test_a_reload_keeps_the_member_signed_in_and_a_sign_out_elsewhere_ends_it(portal, page):
    page.goto(portal.url())
    sign_in(page, "lena.basic")
    wait_until_shown(page, "Hallo Lena!")

    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert set(cookies) >= {"hek_session", "hek_browser"}
    for name in ("hek_session", "hek_browser"):
        assert cookies[name]["httpOnly"] and cookies[name]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("hek_session") == -1  # not for scripts

    page.reload()
    wait_until_shown(page, "Hallo Lena!")
    page.goto(portal.url("member_send_document"))
    wait_until_shown(page, page.get_by_role("heading", name="Dokument senden"))

    other_tab = page.context.new_page()
    other_tab.goto(portal.url())
    wait_until_shown(other_tab, "Hallo Lena!")  # the same browser: signed in there too
    other_tab.get_by_role("button", name="Abmelden").click()
    wait_until_shown(other_tab, other_tab.get_by_role("button", name="Anmelden"))

    page.get_by_role("link", name="Start").click()  # the first tab's next action
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    expect(page.get_by_text("Hallo Lena!")).to_have_count(0)
    expect(page.get_by_text("Ihre Sitzung wurde beendet.")).to_be_visible(timeout=WAIT_MS)
    screenshot(page, "session-ended-in-another-tab")


def test_a_forged_session_cookie_shows_the_sign_in_with_a_notice(portal, page):
    page.context.add_cookies([{"name": "hek_session", "value": "x" * 43, "url": portal.url()}])
    page.goto(portal.url())
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    expect(page.get_by_text("Ihre Anmeldung ist nicht mehr gültig.")).to_be_visible()


def test_every_response_carries_the_security_headers(portal, page):
    for path in ("", "member_send_document", "healthz", "files/unbekannt"):
        response = page.request.get(portal.url(path))
        headers = response.headers
        for directive in CSP_MUST:
            assert directive in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "camera=(self)" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # plain HTTP here (TLS: nginx test)
    missing = page.request.get(portal.url("files/unbekannt"))
    assert missing.status == 404
    assert missing.headers["cache-control"] == "no-store"


def test_the_portal_works_under_its_content_security_policy(portal, page):
    """No violation while a member signs in and opens pages (Streamlit's frontend, the
    hand-off redirect component, the page icon)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(portal.url())
    sign_in(page, "jonas.smart")
    wait_until_shown(page, "Hallo Jonas!")
    page.goto(portal.url("member_insurance_history"))
    page.wait_for_load_state("networkidle")
    assert violations == []
