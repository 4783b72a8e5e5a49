"""The camera path of "Dokument senden" in Chromium with a fake camera: two photos become one
two-page PDF with a tracking ID."""

import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlmodel import select

from core import auth, documents
from core.db import session_scope
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.settings import get_secrets
from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    WAIT_MS,
    Portal,
    running_portal,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)

pytestmark = pytest.mark.browser
# Chromium grants the camera without asking and films its built-in test pattern.
ALL_PREVIEWS_LOADED = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
    .every((image) => image.complete && image.naturalWidth > 0)"""
VIEWPORT = {"width": 1366, "height": 900}
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def camera_chromium(chromium: Browser) -> Iterator[Browser]:
    """A second Chromium with a fake camera, from the shared one's Playwright (one Playwright
    per thread); the shared browser keeps its launch arguments."""
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + FAKE_CAMERA_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def camera_portal(tmp_path_factory) -> Iterator[Portal]:
    """A server of its own that shares this test process's keys, so the test can open what
    the server stored."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in get_secrets().items():
            patch.setenv(f"HEK_{name.upper()}", value)
        with running_portal(tmp_path_factory.mktemp("camera-portal")) as running:
            yield running


@pytest.fixture
def camera_page(camera_chromium: Browser) -> Iterator[Page]:
    context = camera_chromium.new_context(viewport=VIEWPORT, locale="de-DE", permissions=["camera"])
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def _take_photo(page: Page) -> None:
    """Wait for the live picture, press the shutter, and wait for the page to take the photo."""
    shutter = page.get_by_test_id("stCameraInputButton")
    expect(shutter).to_be_enabled()
    expect(page.locator('[data-testid="stCameraInput"] video')).to_be_visible()
    # A visible video may not have a frame yet on a busy machine; the shutter then takes nothing.
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=\"stCameraInput\"] video');"
        " return v && v.readyState >= 2 && v.videoWidth > 0; }"
    )
    shutter.click()
    page.wait_for_selector(IDLE)


def _stored_pdf(portal: Portal, tracking_id: str) -> tuple[Submission, bytes]:
    with session_scope(engine=portal.engine) as db:
        row = db.exec(select(Submission).where(Submission.tracking_id == tracking_id)).one()
        clerk = auth.actor_for(
            db, db.exec(select(UserAccount).where(UserAccount.username == "sachbearbeitung")).one()
        )
        pdf = documents.submission_pdf(db, actor=clerk, submission_id=row.id)
        return row, pdf


def test_two_camera_photos_are_previewed_and_sent_as_one_two_page_pdf(
    camera_page: Page, camera_portal: Portal
):
    page, portal = camera_page, camera_portal
    page.goto(portal.url())
    sign_in(page, "lena.basic")
    sidebar_nav(page).get_by_role("link", name="Dokument senden").click()
    wait_until_shown(page, page.get_by_role("heading", name="Dokument senden", level=1))
    page.get_by_text("Mit der Kamera fotografieren").click()
    wait_until_shown(page, page.get_by_test_id("stCameraInput"))
    shutter = page.get_by_test_id("stCameraInputButton")
    assert shutter.evaluate("e => getComputedStyle(e, '::after').content") == '"Foto aufnehmen"'

    _take_photo(page)
    wait_until_shown(page, page.get_by_role("heading", name="Vorschau"))
    _take_photo(page)

    previews = page.get_by_test_id("stImage")
    expect(previews).to_have_count(2)
    expect(page.get_by_text("1. Foto 1.jpg")).to_be_visible()
    expect(page.get_by_text("2. Foto 2.jpg")).to_be_visible()
    page.wait_for_function(ALL_PREVIEWS_LOADED)
    page.get_by_role("heading", name="Vorschau").scroll_into_view_if_needed()
    screenshot(page, "camera-1-two-photos-previewed")
    page.get_by_role("button", name="Senden").click()
    wait_until_shown(page, page.get_by_text("Ihre Tracking-ID:"))
    tracking_id = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    expect(page.get_by_role("heading", name="Vorschau")).to_have_count(0)  # photos are cleared
    sent = page.get_by_role("table").get_by_role("row").filter(has_text=tracking_id)
    expect(sent.get_by_text("eingegangen")).to_be_visible()
    page.get_by_text("Ihre Tracking-ID:").scroll_into_view_if_needed()
    screenshot(page, "camera-2-sent")

    assert tracking_id.startswith("HEK-")
    row, pdf = _stored_pdf(portal, tracking_id)
    assert (row.page_count, row.channel, row.status) == (2, "app", "eingegangen")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
