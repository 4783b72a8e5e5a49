"""The clerk's member search: by KVNR and by name; every opening lands in the audit log."""

import json

from sqlmodel import select

from core import audit, auth, documents
from core.db import session_scope
from core.models.accounts import UserAccount
from core.models.audit import AuditEntry
from core.models.documents import Submission
from core.models.people import Member
from core.seed import DEMO_PERSONAS
from core.uploads import IncomingFile
from tests.app.helpers import audit_looks, infos, login, shown_text
from tests.service.test_documents import pdf_bytes

LENA = next(p for p in DEMO_PERSONAS if p.username == "lena.basic")


def _member_search():
    return login("sachbearbeitung").switch_page("pages/clerk_members.py").run()


def _search(at, query: str):
    return at.text_input(key="member_query").input(query).run()


def _lena_id() -> int:
    with session_scope() as session:
        return session.exec(select(Member.id).where(Member.kvnr == LENA.kvnr)).one()


def test_search_by_kvnr_finds_exactly_that_member():
    at = _search(_member_search(), LENA.kvnr)

    assert not at.exception
    assert at.selectbox(key="member_choice").options == [f"Berger, Lena · {LENA.kvnr} · 17.04.1991"]


def test_search_by_last_name_finds_the_member():
    at = _search(_member_search(), "berger")

    options = at.selectbox(key="member_choice").options
    assert f"Berger, Lena · {LENA.kvnr} · 17.04.1991" in options
    assert all(option.startswith("Berger, ") for option in options)


def test_search_without_hits_says_so():
    at = _search(_member_search(), "Zzyzx")

    assert infos(at) == ["Keine Versicherten gefunden."]
    assert len(at.selectbox) == 0


def test_opening_a_member_shows_the_record_and_is_audited():
    at = _search(_member_search(), LENA.kvnr)

    at.button(key="open_member").click().run()

    assert not at.exception
    text = shown_text(at)
    assert "Lena Berger" in text
    assert f"**Versichertennummer:** {LENA.kvnr}" in text
    assert "**Anschrift:** Lindenallee 3, 20095 Hamburg" in text
    with session_scope() as session:
        entries = audit.recent_entries(session, limit=5)
    opened, searched = entries[0], entries[1]
    assert (opened.actor, opened.action, opened.member_id) == (
        "sachbearbeitung",
        "view_member",
        _lena_id(),
    )
    assert (searched.action, json.loads(searched.details)["query"]) == (
        "search_members",
        LENA.kvnr,
    )


def test_choosing_one_of_several_hits_opens_that_member():
    with session_scope() as session:
        emre = session.exec(select(Member).where(Member.first_name == "Emre")).one()
    at = _search(_member_search(), "Yilmaz")
    choice = at.selectbox(key="member_choice")
    assert len(choice.options) == 4  # the Yilmaz household

    choice.set_value(emre.id).run()
    at.button(key="open_member").click().run()

    assert not at.exception
    assert f"**Versichertennummer:** {emre.kvnr}" in shown_text(at)


# The member's file (Versichertenübersicht)


def _views_of(member_id: int) -> int:
    with session_scope() as session:
        entries = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "view_member", AuditEntry.member_id == member_id
            )
        ).all()
    return len(entries)


def _lena_sends(count: int) -> str:
    """Lena sends `count` one-page invoices; returns the tracking ID of the last."""
    with session_scope(write=True) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == LENA.username))
        lena = auth.actor_for(session, account.one())
        for number in range(count):
            sent = documents.submit_document(
                session,
                actor=lena,
                request=documents.DocumentRequest(
                    kvnr=LENA.kvnr,
                    doc_type="rechnung",
                    files=[IncomingFile(name=f"r{number}.pdf", data=pdf_bytes(1, "Rechnung"))],
                ),
            )
    return sent.tracking_id


def _open_lena():
    at = _search(_member_search(), LENA.kvnr)
    return at.button(key="open_member").click().run()


def test_a_members_file_pages_through_documents_and_is_audited_once_per_opening():
    newest = _lena_sends(12)
    lena_id = _lena_id()
    before = _views_of(lena_id)

    at = _open_lena()

    assert not at.exception
    assert [tab.label for tab in at.tabs][:4] == [
        "Stammdaten",
        "Versicherungszeiten & Entgelte",
        "Dokumente",
        "Bescheinigungen",
    ]
    assert "12 Dokumente · Seite 1 von 2" in shown_text(at)
    (documents_table,) = [df.value for df in at.dataframe if "Tracking-ID" in df.value.columns]
    assert len(documents_table) == 10 and documents_table["Tracking-ID"][0] == newest
    assert set(documents_table["Art"]) == {"Rechnung"}
    assert _views_of(lena_id) == before + 1

    at.number_input(key=f"member_submissions_page_{lena_id}").set_value(2).run()

    assert "12 Dokumente · Seite 2 von 2" in shown_text(at)
    (documents_table,) = [df.value for df in at.dataframe if "Tracking-ID" in df.value.columns]
    assert len(documents_table) == 2
    assert _views_of(lena_id) == before + 1  # turning a page is no new opening

    at.switch_page("pages/clerk_home.py").run()
    at.switch_page("pages/clerk_members.py").run()

    assert "Lena Berger" in [header.value for header in at.header]
    assert _views_of(lena_id) == before + 2  # coming back to the file is


def test_a_document_in_the_file_opens_in_the_inbox_viewer():
    tracking_id = _lena_sends(1)
    with session_scope() as session:
        submission_id = session.exec(
            select(Submission.id).where(Submission.tracking_id == tracking_id)
        ).one()
    at = _open_lena()

    at.selectbox(key="member_case_choice").set_value(submission_id).run()
    at.button(key="member_open_case").click().run()

    assert not at.exception
    assert f"Vorgang {tracking_id}" in [sub.value for sub in at.subheader]


def test_a_household_member_opens_from_the_family_tab_as_a_new_audited_opening():
    with session_scope() as session:
        emre = session.exec(select(Member).where(Member.first_name == "Emre")).one()
        deniz = session.exec(
            select(Member).where(
                Member.household_id == emre.household_id, Member.first_name == "Deniz"
            )
        ).one()
    before = _views_of(emre.id)
    at = _search(_member_search(), deniz.kvnr)
    at.button(key="open_member").click().run()
    assert "Deniz Yilmaz" in [header.value for header in at.header]

    at.button(key=f"member_open_household_{emre.id}").click().run()

    assert not at.exception
    assert "Emre Yilmaz" in [header.value for header in at.header]
    assert _views_of(emre.id) == before + 1


def test_the_audit_of_an_opening_names_the_household_members_the_family_tab_shows():
    with session_scope() as session:
        deniz = session.exec(select(Member).where(Member.first_name == "Deniz")).one()
        others = session.exec(
            select(Member.id).where(
                Member.household_id == deniz.household_id, Member.id != deniz.id
            )
        ).all()
    before = _views_of(deniz.id)
    at = _search(_member_search(), deniz.kvnr)
    at = at.button(key="open_member").click().run().run()  # opened, then redrawn

    shown = [int(b.key.rsplit("_", 1)[1]) for b in at.button if b.key.startswith("member_open_h")]
    assert sorted(shown) == sorted(others) and len(others) == 3
    assert _views_of(deniz.id) == before + 1
    opening = audit_looks("view_member")[-1]
    assert (opening.actor, opening.member_id) == ("sachbearbeitung", deniz.id)
    assert sorted(json.loads(opening.details)["household"]) == sorted(others)
