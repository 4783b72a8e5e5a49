"""A deep link that is the very first request of a freshly started server."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import WAIT_MS, running_portal, screenshot

pytestmark = pytest.mark.browser


def test_deep_link_as_first_request_of_a_fresh_server_shows_the_login_form(
    tmp_path, chromium: Browser
):
    with running_portal(tmp_path) as portal:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(portal.url("clerk_members"))
            login_button = page.get_by_role("button", name="Anmelden")
            bare_page = page.get_by_text("Bitte melden Sie sich an.")
            expect(login_button.or_(bare_page)).to_be_visible(timeout=WAIT_MS)
            screenshot(page, "fresh-server-deep-link")

            expect(login_button).to_be_visible(timeout=1_000)
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no navigation yet
        finally:
            context.close()
