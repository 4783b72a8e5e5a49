"""Driving Home.py under AppTest: open a browser session, sign in, read what is shown."""

import re
from pathlib import Path

from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from core import browser_sessions
from core.db import session_scope
from core.http import file_offers
from core.models.audit import AuditEntry
from core.seed import DEMO_APP_PIN, DEMO_PASSWORD

HOME = str(Path(__file__).resolve().parents[2] / "Home.py")
LOGIN_BUTTON = "FormSubmitter:Login-Anmelden"
TIMEOUT_SECONDS = 30
# The device gate smart members meet after login (ui/device_gate.py)
DEVICE_PIN = "device_pin"
DEVICE_CONFIRM = "FormSubmitter:device_confirm-Bestätigen"


def open_portal(page: str | None = None) -> AppTest:
    """A new browser session on Home.py; `page` (e.g. "pages/clerk_members.py") is a typed URL."""
    at = AppTest.from_file(HOME, default_timeout=TIMEOUT_SECONDS)
    if page is not None:
        at.switch_page(page)  # before the first run the page is found by its file name
    return at.run()


def shows_device_gate(at: AppTest) -> bool:
    return any(field.key == DEVICE_PIN for field in at.text_input)


def pass_device_gate(at: AppTest, pin: str = DEMO_APP_PIN) -> AppTest:
    """Confirm the seeded demo device with its app PIN."""
    at.text_input(key=DEVICE_PIN).input(pin)
    return at.button(key=DEVICE_CONFIRM).click().run()


def submit_login(
    at: AppTest, username: str, password: str = DEMO_PASSWORD, *, pass_gate: bool = True
) -> AppTest:
    """Fill in the login form that `at` shows and send it; smart personas then confirm their
    demo device's app PIN unless `pass_gate` is False."""
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at = at.button(key=LOGIN_BUTTON).click().run()
    if pass_gate and shows_device_gate(at):
        at = pass_device_gate(at)
    return at


def login(
    username: str,
    password: str = DEMO_PASSWORD,
    page: str | None = None,
    *,
    pass_gate: bool = True,
) -> AppTest:
    """An AppTest on Home.py after submitting the login form (on `page`'s URL if given)."""
    return submit_login(open_portal(page), username, password, pass_gate=pass_gate)


def shown_text(at: AppTest) -> str:
    """Every text a person reads in the main area and the sidebar, one element per line."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "error", "info", "success")
    parts = [str(element.value) for kind in kinds for element in getattr(at, kind)]
    parts += [metric.label for metric in at.metric]
    # As read, not as written: ui.text.plain backslash-escapes punctuation in typed text.
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(parts))


def titles(at: AppTest) -> list[str]:
    return [title.value for title in at.title]


def errors(at: AppTest) -> list[str]:
    return [error.value for error in at.error]


def infos(at: AppTest) -> list[str]:
    return [info.value for info in at.info]


def shows_login_form(at: AppTest) -> bool:
    return [field.label for field in at.text_input] == ["Benutzername", "Passwort"]


def audit_looks(action: str) -> list[AuditEntry]:
    """The portal database's audit entries of one action, oldest first."""
    with session_scope() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action)
        return list(session.exec(statement.order_by(col(AuditEntry.seq))).all())


def leave_and_come_back(at: AppTest, page: str) -> AppTest:
    """The clerk opens the start page, then `page` again (a new visit, not a rerun)."""
    at.switch_page("pages/clerk_home.py").run()
    return at.switch_page(page).run()


# --- Member files (ui/files.py): links and images to the portal's /files/ route ------------


def file_links(at: AppTest) -> dict[str, str]:
    """Label -> URL of every link button that offers a file of this session."""
    return {
        button.proto.label: button.proto.url
        for button in at.get("link_button")
        if f"{file_offers.PREFIX}" in button.proto.url
    }


def image_urls(at: AppTest) -> list[str]:
    """The URL of every image shown (a file of this session, never Streamlit's /media/)."""
    return [picture.url for image in at.get("image") for picture in image.proto.imgs]


def fetch_file(at: AppTest, url: str):
    """What GET <url> answers this session's cookie: the offer (its .produce() gives the bytes,
    running a deferred read and its audit entry as a click would), or None."""
    assert file_offers.PREFIX in url and "/media/" not in url, url
    fingerprint = browser_sessions.token_fingerprint(at.session_state["hek_token"])
    return file_offers.claim(url.rsplit("/", 1)[-1], session_fingerprint=fingerprint)


def file_bytes(at: AppTest, url: str) -> bytes:
    found = fetch_file(at, url)
    assert found is not None, f"{url} is not offered to this session"
    return found.produce()
