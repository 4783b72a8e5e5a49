"""Tables with member data offer no CSV download from their toolbar (formulas, no audit)."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in, wait_until_shown

pytestmark = pytest.mark.browser


def test_a_table_toolbar_offers_no_csv_download(portal, page):
    page.goto(portal.url("admin_accounts"))
    sign_in(page, "admin")
    table = page.get_by_test_id("stDataFrame").first
    wait_until_shown(page, table)
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar.get_by_role("button", name="Show/hide columns")).to_be_visible()
    expect(toolbar.get_by_role("button", name="Download as CSV")).to_be_hidden()
