"""Dokument senden, as a member uses it: for a family member, a double click, a hostile file,
too many other people's numbers."""

import contextlib

from sqlmodel import func, select

from core import auth, documents, send_throttle
from core.db import get_engine, session_scope
from core.errors import UnknownMember
from core.kvnr import make_kvnr
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.models.people import Member
from tests.app.helpers import errors, login
from tests.service.test_documents import pdf_bytes, request

EMRE = make_kvnr("Y40000002")  # Deniz's son in the demo household (core/seed.py)


def _send_page(username: str, send_key: str = "fixed-key"):
    at = login(username)
    at.session_state["send_key"] = send_key
    return at.switch_page("pages/member_send_document.py").run()


def _submissions_for(kvnr: str) -> int:
    with session_scope(engine=get_engine()) as session:
        return session.exec(
            select(func.count()).select_from(Submission).join(Member).where(Member.kvnr == kvnr)
        ).one()


def test_parent_sends_a_sick_note_for_a_child_and_a_double_click_sends_it_once():
    at = _send_page("deniz.familie")
    at.radio(key="doc_person").set_value(EMRE)
    at.file_uploader(key="doc_files_fixed-key").set_value(
        ("au.pdf", pdf_bytes(2), "application/pdf")
    ).run()
    assert not at.exception and errors(at) == []
    at.button(key="send_document").click().run()
    tracking_id = at.session_state["last_sent"]
    assert tracking_id.startswith("HEK-")
    assert any(tracking_id in code.value for code in at.code)
    # the form is reset at once: a second click of a double click meets a disabled button
    assert at.button(key="send_document").disabled
    assert _submissions_for(EMRE) == 1
    history = at.table[0].value
    assert list(history["Tracking-ID"]) == [tracking_id]
    assert list(history["Status"]) == ["eingegangen"]


def test_a_hostile_file_is_refused_with_its_reason_and_nothing_can_be_sent():
    at = _send_page("lena.basic")
    at.file_uploader(key="doc_files_fixed-key").set_value(
        ("rechnung.jpg", b"MZ\x90\x00" + b"\0" * 64, "image/jpeg")
    )
    at.run()
    assert any("Dateiformat wird nicht angenommen" in message for message in errors(at))
    assert at.button(key="send_document").disabled


def test_a_note_field_appears_only_for_invoices_and_other_documents():
    at = _send_page("lena.basic")
    assert not [area for area in at.text_area if area.key == "doc_note"]
    at.selectbox(key="doc_type").set_value("rechnung").run()
    assert [area.label for area in at.text_area if area.key == "doc_note"] == [
        "Notiz hinzufügen (optional)"
    ]


def test_after_ten_other_numbers_in_an_hour_the_member_is_told_when_it_opens_again():
    with session_scope(write=True) as session:  # ten numbers of nobody tried this hour
        account = select(UserAccount).where(UserAccount.username == "lena.basic")
        lena = auth.actor_for(session, session.exec(account).one())
        for number in range(send_throttle.PER_ACCOUNT):
            with contextlib.suppress(UnknownMember):
                documents.submit_document(
                    session, actor=lena, request=request(make_kvnr(f"Z{number:08d}"))
                )
    sent_for_emre = _submissions_for(EMRE)
    at = _send_page("lena.basic", send_key="lena-key")
    at.radio(key="doc_person").set_value("other").run()
    at.text_input(key="doc_kvnr").input(EMRE)
    at.file_uploader(key="doc_files_lena-key").set_value(
        ("au.pdf", pdf_bytes(1), "application/pdf")
    ).run()

    at.button(key="send_document").click().run()

    assert not at.exception and "last_sent" not in at.session_state
    (shown,) = errors(at)
    assert shown.startswith("Nicht gesendet – Sie haben keine Tracking-ID erhalten.")
    assert "10 verschiedene Versichertennummern" in shown and "Uhr wieder" in shown
    assert _submissions_for(EMRE) == sent_for_emre
