"""Letters: templates with placeholders, signed PDFs, Postfach or post, replies in a thread."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from core import documents, letters, preferences
from core.correspondence import InvalidText
from core.errors import NotAllowed
from core.letter_templates import (
    InvalidLetter,
    UnknownPlaceholder,
    letter_templates,
    placeholders_in,
)
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.blobs import EncryptedBlob
from core.models.letters import Letter
from core.uploads import IncomingFile, UploadRejected
from tests.factories import make_account, make_member
from tests.hostile_files import hostile_cases
from tests.service.audit_looks import looks, members_named
from tests.service.test_documents import pdf_bytes

REJECTED = [case for case in hostile_cases() if case.expected_code and not case.together_with]
# A few kinds of refusal for replies; the messenger runs every hostile case.
REPLY_CASES = ("exe_named_jpg", "svg_with_script", "encrypted_pdf", "pdf_open_action_javascript")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def world(session):
    """A smart member with App-Kommunikation on, a second smart member, a basic one, a clerk."""
    jonas = make_member(session, first_name="Jonas", last_name="Albrecht", service_level="smart")
    jonas_actor = make_account(session, username="jonas", member=jonas)
    preferences.set_app_communication(session, actor=jonas_actor, enabled=True)
    deniz = make_member(session, first_name="Deniz", last_name="Yilmaz", service_level="smart")
    deniz_actor = make_account(session, username="deniz", member=deniz)
    preferences.set_app_communication(session, actor=deniz_actor, enabled=True)
    lena = make_member(session, first_name="Lena", last_name="Berger", service_level="basic")
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    return {
        "jonas": (jonas, jonas_actor),
        "deniz": (deniz, deniz_actor),
        "lena": lena,
        "clerk": clerk,
    }


def send(session, clerk, member, template_key="bestaetigung_mitgliedschaft", **overrides):
    template = letter_templates()[template_key]
    values = {"subject": template.subject, "body": template.body}
    values.update(overrides)
    return letters.send_letter(
        session, actor=clerk, member_id=member.id, template_key=template_key, **values
    )


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_the_three_templates_use_only_known_placeholders():
    assert [t.title for t in letter_templates().values()] == [
        "Rückfrage zu Ihrer Einreichung",
        "Bestätigung Mitgliedschaft",
        "Bonusprogramm: Nachweis fehlt",
    ]
    for template in letter_templates().values():
        assert placeholders_in(template.subject + template.body) <= {
            "anrede",
            "vorname",
            "nachname",
            "kvnr",
            "datum",
            "tracking_id",
        }


def test_placeholders_are_filled_from_the_member_data(session, world):
    jonas, jonas_actor = world["jonas"]
    sent = send(session, world["clerk"], jonas)

    thread = letters.open_letter(session, actor=jonas_actor, letter_id=sent.id)

    assert thread.text.startswith("Guten Tag Jonas Albrecht,")
    assert f"Versichertennummer {jonas.kvnr}" in thread.text
    assert "{" not in thread.text
    text = pdf_text(letters.letter_document(session, actor=jonas_actor, letter_id=sent.id).pdf)
    assert "Guten Tag Jonas Albrecht" in text and jonas.kvnr in text
    assert "Teststraße 1" in text  # the address block


def test_an_unknown_placeholder_is_refused_with_a_message_and_nothing_is_stored(session, world):
    jonas, _ = world["jonas"]
    with pytest.raises(UnknownPlaceholder) as refused:
        send(session, world["clerk"], jonas, body="{anrede},\n\nIhr Bonus: {bonus_betrag}")
    assert "Unbekannter Platzhalter {bonus_betrag}" in refused.value.message
    assert "{tracking_id}" in refused.value.message  # the allowed ones are listed
    with pytest.raises(UnknownPlaceholder):
        send(session, world["clerk"], jonas, body="{vorname.__class__}")
    with pytest.raises(UnknownPlaceholder):
        send(session, world["clerk"], jonas, body="{vorname!r}")
    with pytest.raises(InvalidLetter, match="geschweifte Klammer"):
        send(session, world["clerk"], jonas, body="Klammer { offen")
    assert count(session, Letter) == 0


def test_doubled_braces_stay_literal_and_a_name_with_braces_is_not_parsed(session, world):
    clerk = world["clerk"]
    odd = make_member(session, first_name="{kvnr}", last_name="Test", service_level="basic")
    sent = send(session, clerk, odd, body="{anrede}, Menge {{x}}")
    thread = letters.open_letter(session, actor=clerk, letter_id=sent.id)
    assert thread.text == "Guten Tag {kvnr} Test, Menge {x}"


def test_the_tracking_id_must_belong_to_the_member(session, world):
    jonas, _ = world["jonas"]
    deniz, deniz_actor = world["deniz"]
    request = documents.DocumentRequest(
        kvnr=deniz.kvnr, doc_type="au", files=[IncomingFile("au.pdf", pdf_bytes(), None)]
    )
    denizs = documents.submit_document(session, actor=deniz_actor, request=request)
    with pytest.raises(InvalidLetter, match="Tracking-ID an"):
        send(session, world["clerk"], jonas, "rueckfrage_einreichung")
    with pytest.raises(InvalidLetter, match="keine Einreichung dieses Mitglieds"):
        send(
            session, world["clerk"], jonas, "rueckfrage_einreichung", tracking_id=denizs.tracking_id
        )

    sent = send(
        session, world["clerk"], deniz, "rueckfrage_einreichung", tracking_id=denizs.tracking_id
    )
    thread = letters.open_letter(session, actor=deniz_actor, letter_id=sent.id)
    assert f"mit der Tracking-ID {denizs.tracking_id}." in thread.text
    # typed without dashes and in lower case, it is still found and printed canonically
    loose = denizs.tracking_id.replace("-", "").lower()
    sent = send(
        session,
        world["clerk"],
        deniz,
        "rueckfrage_einreichung",
        subject="{tracking_id}",
        tracking_id=loose,
    )
    assert sent.subject == denizs.tracking_id


def test_the_signature_verifies_and_a_changed_byte_fails(session, world):
    jonas, jonas_actor = world["jonas"]
    sent = send(session, world["clerk"], jonas)
    document = letters.letter_document(session, actor=jonas_actor, letter_id=sent.id)
    row = session.get(Letter, sent.id)

    assert document.signature_status == "valid"
    assert document.pdf.startswith(b"%PDF")
    assert len(row.signature) == 64 and row.key_id == document.key_id
    changed = bytearray(document.pdf)
    changed[len(changed) // 2] ^= 0x01
    assert (
        letters.signature_status(pdf=bytes(changed), signature=row.signature, key_id=row.key_id)
        == "invalid"
    )
    assert (
        letters.signature_status(pdf=document.pdf, signature=row.signature, key_id="sig-other")
        == "unknown_key"
    )
    row.signature = bytes(64)
    session.add(row)
    session.commit()
    assert letters.letter_document(
        session, actor=jonas_actor, letter_id=sent.id
    ).signature_status == ("invalid")


def test_text_and_pdf_are_stored_encrypted(session, world):
    jonas, _ = world["jonas"]
    sent = send(session, world["clerk"], jonas)
    row = session.get(Letter, sent.id)
    stored = session.exec(
        select(EncryptedBlob).where(EncryptedBlob.id.in_([row.body_blob_id, row.pdf_blob_id]))
    ).all()
    assert len(stored) == 2
    for blob in stored:
        assert b"Jonas" not in blob.ciphertext and b"%PDF" not in blob.ciphertext


def test_app_communication_on_delivers_to_the_postbox(session, world):
    jonas, jonas_actor = world["jonas"]
    sent = send(session, world["clerk"], jonas)
    assert (sent.channel, sent.status_label) == ("app", "ungelesen")
    assert [letter.id for letter in letters.postbox(session, actor=jonas_actor)] == [sent.id]
    assert letters.unread_letters(session, actor=jonas_actor) == 1

    letters.open_letter(session, actor=jonas_actor, letter_id=sent.id)

    assert letters.unread_letters(session, actor=jonas_actor) == 0
    assert letters.postbox(session, actor=jonas_actor)[0].status_label == "gelesen"


def test_app_communication_off_sends_by_post_and_the_postbox_stays_empty(session, world):
    jonas, jonas_actor = world["jonas"]
    preferences.set_app_communication(session, actor=jonas_actor, enabled=False)
    assert letters.find_recipient(session, actor=world["clerk"], kvnr=jonas.kvnr).channel == "post"

    sent = send(session, world["clerk"], jonas)

    assert (sent.channel, sent.status_label) == ("post", "postalisch")
    assert letters.postbox(session, actor=jonas_actor) == []
    with pytest.raises(letters.LetterNotFound):
        letters.open_letter(session, actor=jonas_actor, letter_id=sent.id)
    # the clerk still has the signed PDF for the mail room
    document = letters.letter_document(session, actor=world["clerk"], letter_id=sent.id)
    assert document.signature_status == "valid"


def test_a_basic_member_always_gets_letters_by_post(session, world):
    sent = send(session, world["clerk"], world["lena"])
    assert sent.channel == "post"


def test_a_reply_is_threaded_under_the_letter_and_the_clerk_sees_it(session, world):
    jonas, jonas_actor = world["jonas"]
    clerk = world["clerk"]
    sent = send(session, clerk, jonas)

    reply = letters.reply_to_letter(
        session,
        actor=jonas_actor,
        letter_id=sent.id,
        text="Danke, ich brauche sie für meinen Arbeitgeber.",
        attachment=IncomingFile("nachweis.pdf", pdf_bytes(), "application/pdf"),
    )

    assert reply.subject == "AW: Bestätigung Ihrer Mitgliedschaft"
    assert reply.reply_to_letter_id == sent.id
    waiting = letters.unanswered_replies(session, actor=clerk)
    assert [(r.summary.id, r.member_name, r.letter_subject) for r in waiting] == [
        (reply.id, "Jonas Albrecht", "Bestätigung Ihrer Mitgliedschaft")
    ]
    thread = letters.open_letter(session, actor=clerk, letter_id=sent.id)
    assert [r.text for r in thread.replies] == ["Danke, ich brauche sie für meinen Arbeitgeber."]
    assert thread.replies[0].summary.author_name == "Jonas"
    assert letters.unanswered_replies(session, actor=clerk) == []  # opened: read
    attachment = letters.reply_attachment(session, actor=clerk, reply_id=reply.id)
    assert attachment.data.startswith(b"%PDF") and attachment.name == "nachweis.pdf"
    mine = letters.my_replies(session, actor=jonas_actor)
    assert [(r.summary.id, r.text) for r in mine] == [
        (reply.id, "Danke, ich brauche sie für meinen Arbeitgeber.")
    ]
    actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert {"send_letter", "reply_letter", "view_letter", "view_letter_attachment"} <= set(actions)


def test_a_reply_needs_text_within_the_limit(session, world):
    jonas, jonas_actor = world["jonas"]
    sent = send(session, world["clerk"], jonas)
    with pytest.raises(InvalidText, match="Bitte geben Sie Ihre Antwort ein"):
        letters.reply_to_letter(session, actor=jonas_actor, letter_id=sent.id, text="  ")
    with pytest.raises(InvalidText, match="höchstens 2000 Zeichen"):
        letters.reply_to_letter(session, actor=jonas_actor, letter_id=sent.id, text="x" * 2001)
    letters.reply_to_letter(session, actor=jonas_actor, letter_id=sent.id, text="x" * 2000)


@pytest.mark.parametrize(
    "case", [c for c in REJECTED if c.id in REPLY_CASES], ids=lambda case: case.id
)
def test_a_reply_with_a_hostile_attachment_is_refused_and_nothing_is_stored(session, world, case):
    jonas, jonas_actor = world["jonas"]
    sent = send(session, world["clerk"], jonas)
    before = (count(session, Letter), count(session, EncryptedBlob))

    with pytest.raises(UploadRejected) as refused:
        letters.reply_to_letter(
            session,
            actor=jonas_actor,
            letter_id=sent.id,
            text="Anbei",
            attachment=IncomingFile(case.filename, case.data, None),
        )

    assert refused.value.code == case.expected_code
    assert (count(session, Letter), count(session, EncryptedBlob)) == before


def test_member_a_never_sees_member_bs_letters(session, world):
    jonas, jonas_actor = world["jonas"]
    _, deniz_actor = world["deniz"]
    to_jonas = send(session, world["clerk"], jonas)
    reply = letters.reply_to_letter(
        session,
        actor=jonas_actor,
        letter_id=to_jonas.id,
        text="privat",
        attachment=IncomingFile("a.pdf", pdf_bytes(), None),
    )

    assert letters.postbox(session, actor=deniz_actor) == []
    assert letters.my_replies(session, actor=deniz_actor) == []
    for attempt in (
        lambda: letters.open_letter(session, actor=deniz_actor, letter_id=to_jonas.id),
        lambda: letters.letter_document(session, actor=deniz_actor, letter_id=to_jonas.id),
        lambda: letters.reply_to_letter(
            session, actor=deniz_actor, letter_id=to_jonas.id, text="eingeschleust"
        ),
        lambda: letters.reply_attachment(session, actor=deniz_actor, reply_id=reply.id),
        lambda: letters.open_letter(session, actor=deniz_actor, letter_id=reply.id),
    ):
        with pytest.raises(letters.LetterNotFound):
            attempt()


def test_only_staff_write_letters_and_only_smart_members_have_a_postbox(session, world):
    jonas, jonas_actor = world["jonas"]
    lena_actor = make_account(session, username="lena", member=world["lena"])
    with pytest.raises(NotAllowed):
        send(session, jonas_actor, jonas)
    with pytest.raises(NotAllowed):
        letters.find_recipient(session, actor=jonas_actor, kvnr=jonas.kvnr)
    with pytest.raises(NotAllowed, match="smart"):
        letters.postbox(session, actor=lena_actor)


def test_a_double_click_sends_one_letter(session, world):
    jonas, _ = world["jonas"]
    first = send(session, world["clerk"], jonas, idempotency_key="letter-1")
    second = send(session, world["clerk"], jonas, idempotency_key="letter-1")
    assert first.id == second.id
    assert count(session, Letter) == 1


def test_preview_stores_no_letter_names_the_channel_and_is_audited(session, world):
    jonas, _ = world["jonas"]
    template = letter_templates()["bonus_nachweis_fehlt"]
    preview = letters.preview_letter(
        session,
        actor=world["clerk"],
        member_id=jonas.id,
        template_key=template.key,
        subject=template.subject,
        body=template.body,
    )
    assert preview.channel == "app"
    assert preview.text.startswith("Guten Tag Jonas Albrecht,")
    assert preview.pdf.startswith(b"%PDF")
    assert (count(session, Letter), count(session, EncryptedBlob)) == (0, 0)
    (entry,) = looks(session, "preview_letter")  # it shows jonas's name and address
    assert (entry.actor, members_named(entry)) == ("clerk", [jonas.id])


def test_a_look_at_the_unanswered_replies_is_audited_once_with_the_members(session, world):
    (jonas, jonas_actor), (deniz, deniz_actor) = world["jonas"], world["deniz"]
    clerk = world["clerk"]
    for member, actor in ((jonas, jonas_actor), (deniz, deniz_actor)):
        sent = send(session, clerk, member)
        letters.reply_to_letter(session, actor=actor, letter_id=sent.id, text="Danke.")

    letters.unanswered_replies(session, actor=clerk)
    letters.unanswered_replies(session, actor=clerk, record_view=False)

    (entry,) = looks(session, "view_unanswered_replies")
    assert (entry.actor, members_named(entry)) == ("clerk", sorted([jonas.id, deniz.id]))
