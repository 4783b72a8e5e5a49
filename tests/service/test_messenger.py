"""Messenger: conversations with attachments, clerk answers, isolation, filing into the inbox."""

import json

import pytest
from sqlmodel import func, select

from core import documents, messenger
from core.correspondence import InvalidText
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.blobs import EncryptedBlob
from core.models.documents import Submission
from core.models.messages import Conversation, Message
from core.uploads import IncomingFile, UploadRejected
from tests.factories import make_account, make_member
from tests.hostile_files import hostile_cases
from tests.service.audit_looks import looks, members_named
from tests.service.test_documents import pdf_bytes

REJECTED = [case for case in hostile_cases() if case.expected_code and not case.together_with]
HOSTILE_TEXT = "<script>alert(1)</script>**fett**"


@pytest.fixture
def world(session):
    jonas = make_member(session, first_name="Jonas", last_name="Albrecht", service_level="smart")
    deniz = make_member(session, first_name="Deniz", last_name="Yilmaz", service_level="smart")
    lena = make_member(session, first_name="Lena", last_name="Berger", service_level="basic")
    return {
        "jonas": make_account(session, username="jonas", member=jonas),
        "deniz": make_account(session, username="deniz", member=deniz),
        "lena": make_account(session, username="lena", member=lena),
        "clerk": make_account(session, username="clerk", role=Role.CLERK),
        "clerk2": make_account(session, username="clerk2", role=Role.CLERK),
        "jonas_member": jonas,
    }


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def start(session, actor, **overrides):
    values = {"subject": "Frage zur Rechnung", "body": "Ist meine Rechnung angekommen?"}
    values.update(overrides)
    return messenger.start_conversation(session, actor=actor, **values)


def test_a_round_trip_member_asks_clerk_answers_member_reads(session, world):
    jonas, clerk = world["jonas"], world["clerk"]
    conversation = start(session, jonas)
    assert (conversation.status_label, conversation.messages) == ("offen", 1)

    waiting = messenger.list_conversations(session, actor=clerk)
    assert [(c.id, c.member_name, c.unread) for c in waiting] == [
        (conversation.id, "Jonas Albrecht", 1)
    ]
    seen = messenger.open_conversation(session, actor=clerk, conversation_id=conversation.id)
    assert [m.body for m in seen.messages] == ["Ist meine Rechnung angekommen?"]
    messenger.post_message(
        session, actor=clerk, conversation_id=conversation.id, body="Ja, sie ist eingegangen."
    )

    mine = messenger.my_conversations(session, actor=jonas)
    assert [(c.id, c.unread, c.messages) for c in mine] == [(conversation.id, 1, 2)]
    view = messenger.open_conversation(session, actor=jonas, conversation_id=conversation.id)
    assert [(m.author_name, m.body) for m in view.messages] == [
        ("Sie", "Ist meine Rechnung angekommen?"),
        ("HEK-Service", "Ja, sie ist eingegangen."),
    ]
    assert messenger.my_conversations(session, actor=jonas)[0].unread == 0
    assert messenger.list_conversations(session, actor=clerk)[0].unread == 0
    actions = set(session.exec(select(AuditEntry.action)).all())
    assert {"start_conversation", "view_conversation", "post_message"} <= actions


def test_bodies_and_attachments_are_stored_encrypted(session, world):
    start(
        session,
        world["jonas"],
        body="Meine Diagnose lautet Xylophonitis",
        attachment=IncomingFile("befund.pdf", pdf_bytes(text="Befund"), "application/pdf"),
    )
    stored = session.exec(select(EncryptedBlob)).all()
    assert len(stored) == 2
    for blob in stored:
        assert b"Xylophonitis" not in blob.ciphertext and b"%PDF" not in blob.ciphertext


def test_member_text_is_kept_literally(session, world):
    conversation = start(session, world["jonas"], body=HOSTILE_TEXT)
    view = messenger.open_conversation(
        session, actor=world["clerk"], conversation_id=conversation.id
    )
    assert view.messages[0].body == HOSTILE_TEXT


def test_text_limits_and_empty_messages(session, world):
    jonas = world["jonas"]
    with pytest.raises(InvalidText, match="Betreff"):
        start(session, jonas, subject="  ")
    with pytest.raises(InvalidText, match="höchstens 120 Zeichen"):
        start(session, jonas, subject="x" * 121)
    with pytest.raises(InvalidText, match="höchstens 2000 Zeichen"):
        start(session, jonas, body="x" * 2001)
    with pytest.raises(InvalidText, match="Nachricht"):
        start(session, jonas, body="   ")
    assert count(session, Conversation) == 0
    only_file = start(session, jonas, body="", attachment=IncomingFile("a.pdf", pdf_bytes(), None))
    assert only_file.messages == 1
    line_breaks = start(session, jonas, subject="Zeile\neins\x00zwei")
    assert line_breaks.subject == "Zeile eins zwei"


@pytest.mark.parametrize("case", REJECTED, ids=lambda case: case.id)
def test_a_hostile_attachment_is_refused_and_nothing_is_stored(session, world, case):
    jonas = world["jonas"]
    conversation = start(session, jonas)
    before = (count(session, Conversation), count(session, Message), count(session, EncryptedBlob))

    with pytest.raises(UploadRejected) as refused:
        messenger.post_message(
            session,
            actor=jonas,
            conversation_id=conversation.id,
            body="Anbei",
            attachment=IncomingFile(case.filename, case.data, None),
        )
    assert refused.value.code == case.expected_code
    with pytest.raises(UploadRejected):
        start(session, jonas, attachment=IncomingFile(case.filename, case.data, None))

    after = (count(session, Conversation), count(session, Message), count(session, EncryptedBlob))
    assert after == before


def test_member_a_never_sees_member_bs_conversations(session, world):
    jonas, deniz = world["jonas"], world["deniz"]
    conversation = start(session, jonas, attachment=IncomingFile("a.pdf", pdf_bytes(), None))
    message_id = session.exec(select(Message.id)).one()

    assert messenger.my_conversations(session, actor=deniz) == []
    for attempt in (
        lambda: messenger.open_conversation(session, actor=deniz, conversation_id=conversation.id),
        lambda: messenger.post_message(
            session, actor=deniz, conversation_id=conversation.id, body="eingeschleust"
        ),
        lambda: messenger.message_attachment(session, actor=deniz, message_id=message_id),
    ):
        with pytest.raises(messenger.ConversationNotFound):
            attempt()
    assert count(session, Message) == 1


def test_the_messenger_is_for_smart_members_and_the_back_office_for_staff(session, world):
    with pytest.raises(NotAllowed, match="smart"):
        start(session, world["lena"])
    with pytest.raises(NotAllowed):
        messenger.list_conversations(session, actor=world["jonas"])
    conversation = start(session, world["jonas"])
    with pytest.raises(NotAllowed):
        messenger.set_status(
            session, actor=world["jonas"], conversation_id=conversation.id, status="closed"
        )


def test_a_closed_conversation_takes_no_more_messages_until_reopened(session, world):
    jonas, clerk = world["jonas"], world["clerk"]
    conversation = start(session, jonas)
    closed = messenger.set_status(
        session, actor=clerk, conversation_id=conversation.id, status="closed"
    )
    assert closed.status_label == "abgeschlossen"
    assert messenger.my_conversations(session, actor=jonas)[0].status == "closed"
    assert messenger.list_conversations(session, actor=clerk) == []  # the open view
    with pytest.raises(messenger.ConversationClosed):
        messenger.post_message(session, actor=jonas, conversation_id=conversation.id, body="Hallo?")

    messenger.set_status(session, actor=clerk, conversation_id=conversation.id, status="open")
    messenger.post_message(session, actor=jonas, conversation_id=conversation.id, body="Hallo?")
    assert count(session, Message) == 2


def test_clerks_find_conversations_by_kvnr_or_name(session, world):
    start(session, world["jonas"])
    start(session, world["deniz"], subject="Bonus")
    clerk = world["clerk"]
    kvnr = world["jonas_member"].kvnr

    assert [c.kvnr for c in messenger.list_conversations(session, actor=clerk, search=kvnr)] == [
        kvnr
    ]
    by_name = messenger.list_conversations(session, actor=clerk, search="yil")
    assert [c.subject for c in by_name] == ["Bonus"]


def test_clerks_find_a_conversation_by_a_name_with_an_umlaut_in_any_case(session, world):
    oezdemir = make_member(session, first_name="Ümit", last_name="Özdemir", service_level="smart")
    start(session, make_account(session, username="uemit", member=oezdemir), subject="Umzug")
    clerk = world["clerk"]

    for typed in ("özdemir", "ÖZDEMIR", "oezd", "ümit"):
        found = messenger.list_conversations(session, actor=clerk, search=typed)
        assert [c.subject for c in found] == ["Umzug"], typed


def test_a_search_is_audited_once_with_the_query_and_the_members_found(session, world):
    start(session, world["jonas"])
    start(session, world["deniz"], subject="Bonus")
    clerk, jonas = world["clerk"], world["jonas_member"]

    messenger.list_conversations(session, actor=clerk, search=jonas.kvnr)
    messenger.list_conversations(session, actor=clerk, search=jonas.kvnr, record_view=False)

    (entry,) = looks(session, "view_conversations")
    assert (entry.actor, members_named(entry)) == ("clerk", [jonas.id])
    assert json.loads(entry.details)["search"] == jonas.kvnr


def test_opening_a_conversation_is_audited_once_and_a_redraw_of_it_is_not(session, world):
    conversation = start(session, world["jonas"])
    clerk = world["clerk"]

    messenger.open_conversation(session, actor=clerk, conversation_id=conversation.id)
    messenger.open_conversation(
        session, actor=clerk, conversation_id=conversation.id, record_view=False
    )

    (entry,) = looks(session, "view_conversation")
    assert (entry.actor, members_named(entry)) == ("clerk", [world["jonas_member"].id])


def test_filing_an_attachment_creates_exactly_one_submission(session, world):
    jonas, clerk, clerk2 = world["jonas"], world["clerk"], world["clerk2"]
    conversation = start(
        session,
        jonas,
        subject="Meine Rechnung",
        attachment=IncomingFile("rechnung.pdf", pdf_bytes(3), "application/pdf"),
    )
    message_id = session.exec(select(Message.id)).one()

    filed = messenger.file_into_inbox(
        session, actor=clerk, message_id=message_id, doc_type="rechnung"
    )
    again = messenger.file_into_inbox(session, actor=clerk, message_id=message_id)
    by_colleague = messenger.file_into_inbox(session, actor=clerk2, message_id=message_id)

    assert filed.id == again.id == by_colleague.id
    assert count(session, Submission) == 1
    row = session.get(Submission, filed.id)
    assert (row.member_id, row.channel, row.doc_type, row.page_count) == (
        world["jonas_member"].id,
        "app",
        "rechnung",
        3,
    )
    assert row.note == "Aus dem Messenger: Meine Rechnung"
    assert documents.submission_pdf(session, actor=clerk, submission_id=filed.id).startswith(
        b"%PDF"
    )
    view = messenger.open_conversation(session, actor=jonas, conversation_id=conversation.id)
    assert view.messages[0].filed_tracking_id == filed.tracking_id  # the member sees it too
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions.count("file_message_attachment") == 1


def test_only_a_members_attachment_can_be_filed(session, world):
    jonas, clerk = world["jonas"], world["clerk"]
    conversation = start(session, jonas)
    answer = messenger.post_message(
        session,
        actor=clerk,
        conversation_id=conversation.id,
        body="Formular anbei",
        attachment=IncomingFile("formular.pdf", pdf_bytes(), None),
    )
    text_only = session.exec(select(Message.id).order_by(Message.id)).first()
    for message_id in (answer.id, text_only):
        with pytest.raises(messenger.ConversationNotFound):
            messenger.file_into_inbox(session, actor=clerk, message_id=message_id)
    with pytest.raises(NotAllowed):
        messenger.file_into_inbox(session, actor=jonas, message_id=answer.id)
    assert count(session, Submission) == 0


def test_a_double_click_posts_one_message(session, world):
    jonas = world["jonas"]
    conversation = start(session, jonas)
    for _ in range(2):
        messenger.post_message(
            session, actor=jonas, conversation_id=conversation.id, body="Hallo", idempotency_key="k"
        )
    assert count(session, Message) == 2  # the first message and one "Hallo"


def test_a_start_and_an_answer_are_audited_with_their_conversation_and_message(session, world):
    jonas, clerk = world["jonas"], world["clerk"]
    attachment = IncomingFile("befund.pdf", pdf_bytes(1, "Befund"), "application/pdf")
    conversation = start(session, jonas, attachment=attachment)
    answer = messenger.post_message(
        session, actor=clerk, conversation_id=conversation.id, body="Danke, erhalten."
    )
    first = session.exec(select(Message.id).where(Message.id != answer.id)).one()

    entries = [
        (e.actor, e.subject_type, e.subject_id, e.member_id, json.loads(e.details))
        for e in looks(session, "start_conversation") + looks(session, "post_message")
    ]
    member_id = world["jonas_member"].id
    assert entries == [
        (
            "jonas",
            "conversation",
            str(conversation.id),
            member_id,
            {"message": first, "attachment": True},
        ),
        ("clerk", "message", str(answer.id), member_id, {"conversation": conversation.id}),
    ]


def test_a_second_tab_racing_the_same_send_gets_what_the_first_stored(session, world, monkeypatch):
    """The unique key decides a race the early look-up missed: one row, one audit entry each."""
    jonas = world["jonas"]
    conversation = start(session, jonas, idempotency_key="start")
    answer = messenger.post_message(
        session, actor=jonas, conversation_id=conversation.id, body="Hallo", idempotency_key="post"
    )
    # as if the other tab had not committed yet when this one looked
    monkeypatch.setattr(messenger.conversations, "by_idempotency_key", lambda *_args: None)

    again = start(session, jonas, idempotency_key="start")
    echoed = messenger.post_message(
        session, actor=jonas, conversation_id=conversation.id, body="Hallo", idempotency_key="post"
    )

    assert (again.id, again.messages) == (conversation.id, 2)
    assert (echoed.id, echoed.body, echoed.author_name) == (answer.id, "Hallo", "Sie")
    assert (count(session, Conversation), count(session, Message)) == (1, 2)
    assert len(looks(session, "start_conversation")) == len(looks(session, "post_message")) == 1
