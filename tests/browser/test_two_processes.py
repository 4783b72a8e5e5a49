"""Two portal processes on one database, as behind a load balancer: a member sends a document
through process A, a clerk working on process B sees it and claims it, and the audit chain
written by both processes still verifies.

The processes share nothing but the database and the secrets (given as HEK_* environment
variables, as docs/SCALING.md says); each has its own data directory and port.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Page
from sqlmodel import Session, select

from core import crypto
from core.audit import AuditKeyring, verify_chain
from core.db import make_engine
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.seed import seed_demo
from core.settings import SECRET_GENERATORS
from tests.browser.helpers import (
    IDLE,
    STARTUP_SECONDS,
    WAIT_MS,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)
from tests.conftest import BACKENDS, fresh_database_url
from tests.portal_process import portal_environment, portal_processes

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def two_processes(
    database_url: str, workdir: Path, shared: dict[str, str]
) -> Iterator[tuple[str, str]]:
    """Start two `streamlit run app.py` on one database with the same secrets; yield their
    base URLs; stop both process groups."""
    environments = []
    for name in ("a", "b"):
        data_dir = workdir / name
        data_dir.mkdir()
        env = portal_environment(
            database_url=database_url,
            data_dir=data_dir,
            HEALTH_DATABASE_URL=f"sqlite:///{workdir / 'smarthealth.db'}",
            **shared,
        )
        environments.append((env, data_dir / "streamlit.log"))
    with portal_processes(environments, startup_seconds=STARTUP_SECONDS) as (one, other):
        yield one.base_url, other.base_url


def _sick_note(path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung")
    path.write_bytes(bytes(document.output()))


def _new_page(chromium: Browser) -> Page:
    page = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE").new_page()
    page.set_default_timeout(WAIT_MS)
    return page


@pytest.mark.parametrize("backend", BACKENDS)
def test_member_sends_on_one_process_and_a_clerk_claims_it_on_the_other(
    backend: str, chromium: Browser, tmp_path
):
    database_url = fresh_database_url(backend)
    engine = make_engine(database_url)
    seed_demo(engine, members=5)  # migrated once, before either process starts
    pdf = tmp_path / "au.pdf"
    _sick_note(pdf)

    shared = {f"HEK_{name.upper()}": generate() for name, generate in SECRET_GENERATORS.items()}
    with two_processes(database_url, tmp_path, shared) as (process_a, process_b):
        member = _new_page(chromium)
        member.goto(process_a)
        sign_in(member, "lena.basic")
        sidebar_nav(member).get_by_role("link", name="Dokument senden").click()
        wait_until_shown(member, member.get_by_role("heading", name="Dokument senden", level=1))
        member.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(pdf)
        )
        wait_until_shown(member, member.get_by_role("heading", name="Vorschau"))
        member.get_by_role("button", name="Senden").click()
        wait_until_shown(member, member.get_by_text("Ihre Tracking-ID:"))
        tracking_id = member.locator('[data-testid="stCode"] code').first.inner_text().strip()

        clerk = _new_page(chromium)
        clerk.goto(process_b)
        sign_in(clerk, "sachbearbeitung")
        sidebar_nav(clerk).get_by_role("link", name="Posteingang").click()
        wait_until_shown(clerk, clerk.get_by_role("heading", name="Posteingang", level=1))
        clerk.get_by_text("Filter und Suche").click()
        clerk.get_by_label("Suche: Tracking-ID, Versichertennummer oder Name").fill(tracking_id)
        clerk.keyboard.press("Enter")
        clerk.wait_for_selector(IDLE)
        clerk.get_by_role("button", name="Nächsten Vorgang übernehmen").click()
        wait_until_shown(clerk, clerk.get_by_role("heading", name=f"Vorgang {tracking_id}"))
        member.context.close()
        clerk.context.close()

    with Session(engine) as session:
        submission = session.exec(
            select(Submission).where(Submission.tracking_id == tracking_id)
        ).one()
        clerk_account = session.exec(
            select(UserAccount).where(UserAccount.username == "sachbearbeitung")
        ).one()
        # the processes' own audit key (the test process has another one of its own)
        keyring = AuditKeyring(current=crypto.audit_key_from_text(shared["HEK_AUDIT_KEY"]))
        chain = verify_chain(session, keyring=keyring)
    engine.dispose()
    assert submission.assigned_clerk_id == clerk_account.id
    assert chain.intact, chain.problems
    assert chain.entries > 0
