"""Sending documents: tracking IDs, idempotency, atomic storage, the send history."""

import threading

import pytest
from fpdf import FPDF
from sqlmodel import func, select

from core import documents
from core.db import session_scope
from core.errors import DomainError, InvalidKvnr, NotAllowed, UnknownMember
from core.identifiers import parse_identifier
from core.models.blobs import EncryptedBlob
from core.models.documents import Submission
from core.uploads import IncomingFile, UploadRejected
from tests.factories import make_account, make_member


def pdf_bytes(pages: int = 1, text: str = "Arbeitsunfähigkeit") -> bytes:
    document = FPDF()
    for number in range(pages):
        document.add_page()
        document.set_font("helvetica", size=14)
        document.cell(text=f"{text} {number + 1}")
    return bytes(document.output())


def request(kvnr: str, **overrides) -> documents.DocumentRequest:
    values = {
        "kvnr": kvnr,
        "doc_type": "au",
        "files": [IncomingFile("au.pdf", pdf_bytes(2), "application/pdf")],
    }
    values.update(overrides)
    return documents.DocumentRequest(**values)


@pytest.fixture
def member(session):
    erika = make_member(session)
    return erika, make_account(session, username="erika", member=erika)


def counts(session) -> tuple[int, int]:
    return (
        session.exec(select(func.count()).select_from(Submission)).one(),
        session.exec(select(func.count()).select_from(EncryptedBlob)).one(),
    )


def test_a_sent_document_gets_a_tracking_id_and_appears_in_the_history(session, member):
    erika, actor = member
    sent = documents.submit_document(session, actor=actor, request=request(erika.kvnr))
    assert parse_identifier(sent.tracking_id) == sent.tracking_id
    assert (sent.page_count, sent.status) == (2, "eingegangen")
    history = documents.send_history(session, actor=actor)
    assert [entry.tracking_id for entry in history] == [sent.tracking_id]
    assert documents.submission_pdf(session, actor=actor, submission_id=sent.id).startswith(b"%PDF")


def test_the_stored_file_is_ciphertext(session, member):
    erika, actor = member
    documents.submit_document(session, actor=actor, request=request(erika.kvnr))
    blob = session.exec(select(EncryptedBlob)).one()
    assert b"%PDF" not in blob.ciphertext and b"Arbeitsunf" not in blob.ciphertext


def test_a_double_click_creates_one_submission(session, member):
    erika, actor = member
    first = documents.submit_document(
        session, actor=actor, request=request(erika.kvnr, idempotency_key="k-1")
    )
    second = documents.submit_document(
        session, actor=actor, request=request(erika.kvnr, idempotency_key="k-1")
    )
    assert first.tracking_id == second.tracking_id
    assert counts(session) == (1, 1)


def test_two_racing_retries_with_one_key_store_exactly_one(engine, session, member):
    erika, actor = member
    results, errors = [], []

    def send() -> None:
        try:
            with session_scope(write=True, engine=engine) as own:
                results.append(
                    documents.submit_document(
                        own, actor=actor, request=request(erika.kvnr, idempotency_key="race")
                    )
                )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({result.tracking_id for result in results}) == 1
    with session_scope(engine=engine) as fresh:
        assert counts(fresh) == (1, 1)


def test_another_members_kvnr_is_allowed_when_it_exists(session, member):
    _, actor = member
    other = make_member(session, first_name="Max")
    sent = documents.submit_document(session, actor=actor, request=request(other.kvnr))
    assert sent.member_id == other.id


@pytest.mark.parametrize(
    ("kvnr", "error"),
    [("A123456781", InvalidKvnr), ("A123456780", UnknownMember), ("", InvalidKvnr)],
)
def test_wrong_or_unknown_kvnr_sends_nothing(session, member, kvnr, error):
    _, actor = member
    with pytest.raises(error):
        documents.submit_document(session, actor=actor, request=request(kvnr))
    session.rollback()
    assert counts(session) == (0, 0)


def test_a_refused_file_leaves_no_row_and_no_blob(session, member):
    erika, actor = member
    hostile = IncomingFile("au.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    with pytest.raises(UploadRejected):
        documents.submit_document(
            session, actor=actor, request=request(erika.kvnr, files=[hostile])
        )
    session.rollback()
    assert counts(session) == (0, 0)


def test_a_note_is_kept_for_invoices_and_refused_for_sick_notes(session, member):
    erika, actor = member
    sent = documents.submit_document(
        session,
        actor=actor,
        request=request(erika.kvnr, doc_type="rechnung", note="Bitte an Zahnarzt-Team"),
    )
    assert sent.note == "Bitte an Zahnarzt-Team"
    with pytest.raises(DomainError, match="nur bei"):
        documents.submit_document(session, actor=actor, request=request(erika.kvnr, note="Hallo"))
    with pytest.raises(DomainError, match="zu lang"):
        documents.submit_document(
            session, actor=actor, request=request(erika.kvnr, doc_type="sonstiges", note="x" * 501)
        )


def test_member_cannot_read_another_members_document_or_find_it_by_tracking_id(session, member):
    erika, actor = member
    sent = documents.submit_document(session, actor=actor, request=request(erika.kvnr))
    max_member = make_member(session, first_name="Max")
    intruder = make_account(session, username="max", member=max_member)
    with pytest.raises(NotAllowed):
        documents.submission_pdf(session, actor=intruder, submission_id=sent.id)
    with pytest.raises(DomainError):
        documents.find_by_tracking_id(session, actor=intruder, tracking_id=sent.tracking_id)
    assert documents.send_history(session, actor=intruder) == []
    assert (
        documents.find_by_tracking_id(session, actor=actor, tracking_id=sent.tracking_id.lower()).id
        == sent.id
    )
