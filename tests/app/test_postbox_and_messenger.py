"""Postfach, Messenger and the clerk's "Schreiben" and "Nachrichten" screens under AppTest.

The tests of this module share one seeded database and run in file order: a letter goes to
jonas.smart, he answers, the clerk reads the answer; then a messenger round trip.
"""

import pytest
from fpdf import FPDF
from sqlmodel import Session, func, select

from core.models.documents import Submission
from core.models.letters import Letter
from core.models.messages import Conversation, Message
from core.seed import DEMO_PERSONAS
from tests.app.helpers import (
    audit_looks,
    errors,
    fetch_file,
    file_bytes,
    file_links,
    image_urls,
    leave_and_come_back,
    login,
    shown_text,
    titles,
)

HOSTILE = "<script>alert(1)</script>**fett**"
JONAS_KVNR = next(p.kvnr for p in DEMO_PERSONAS if p.username == "jonas.smart")
FIND_MEMBER = "FormSubmitter:letter_recipient-Mitglied suchen"
NEW_CONVERSATION = "FormSubmitter:new_conversation-Nachricht senden"
CLERK_ANSWER = "FormSubmitter:clerk_answer-Antwort senden"
MEMBER_ANSWER = "FormSubmitter:answer-Senden"


def a_pdf(text: str = "Rechnung") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=16)
    document.cell(text=text)
    return bytes(document.output())


def texts(at) -> list[str]:
    return [element.value for element in at.text]


def keyed(at, kind: str, prefix: str):
    """The widget whose key starts with `prefix` (keys carry a per-form nonce)."""
    return next(w for w in getattr(at, kind) if (w.key or "").startswith(prefix))


def clerk_on(page: str):
    return login("sachbearbeitung").switch_page(page).run()


def jonas_on(page: str):
    return login("jonas.smart").switch_page(page).run()


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_jonas_switches_app_communication_on_so_letters_reach_his_postbox():
    at = jonas_on("pages/member_postbox.py")
    assert titles(at) == ["Postfach"]
    assert "App-Kommunikation ist ausgeschaltet" in shown_text(at)

    at = jonas_on("pages/member_communication.py")
    at = at.toggle(key="app_comm").set_value(True).run()
    assert not at.exception

    at = jonas_on("pages/member_postbox.py")
    assert "App-Kommunikation ist ausgeschaltet" not in shown_text(at)
    assert "Ihr Postfach ist leer." in shown_text(at)


def _clerk_with_recipient():
    at = clerk_on("pages/clerk_letters.py")
    at.text_input(key="letter_kvnr").input(JONAS_KVNR)
    return at.button(key=FIND_MEMBER).click().run()


def test_clerk_finds_jonas_and_an_unknown_placeholder_is_refused():
    at = _clerk_with_recipient()
    assert not at.exception
    assert "Albrecht" in shown_text(at)
    assert "ins Postfach der Service-App" in shown_text(at)

    at.selectbox(key="letter_template").set_value("bestaetigung_mitgliedschaft").run()
    at.text_area(key="letter_body_bestaetigung_mitgliedschaft").input("{anrede}, {betrag} Euro")
    at = at.button(key="letter_preview").click().run()

    assert len(errors(at)) == 1
    assert errors(at)[0].startswith("Unbekannter Platzhalter {betrag}.")


def test_clerk_previews_and_sends_a_letter_to_jonas(portal_db):
    at = _clerk_with_recipient()
    at.selectbox(key="letter_template").set_value("bestaetigung_mitgliedschaft").run()

    at = at.button(key="letter_preview").click().run()
    assert errors(at) == []
    pages = image_urls(at)  # the rendered letter pages
    assert pages and all(file_bytes(at, page).startswith(b"\x89PNG") for page in pages)
    at = at.button(key="letter_send").click().run()

    assert [s.value for s in at.success] == ["Das Schreiben ist im Postfach des Mitglieds."]
    assert count(portal_db, Letter) == 1


def test_jonas_opens_the_letter_reads_it_and_answers():
    at = jonas_on("pages/member_postbox.py")
    assert "Bestätigung Ihrer Mitgliedschaft · **neu**" in [m.value for m in at.markdown]

    opener = keyed(at, "button", "open_letter_")
    at = opener.click().run()
    assert not at.exception
    assert any("Die Signatur ist gültig" in s.value for s in at.success)
    assert "Bestätigung Ihrer Mitgliedschaft" in [m.value for m in at.markdown]  # read now
    pages = image_urls(at)
    assert pages and all(file_bytes(at, page).startswith(b"\x89PNG") for page in pages)
    letter_pdf = fetch_file(at, file_links(at)["PDF herunterladen"])
    assert letter_pdf.produce().startswith(b"%PDF")

    at = at.button(key="reply").click().run()
    keyed(at, "text_area", "reply_text_").input("Vielen Dank, das hilft mir sehr.")
    submit = keyed(at, "button", "FormSubmitter:reply_")
    at = submit.click().run()

    assert errors(at) == []
    assert "Ihre Antwort ist bei der HEK eingegangen." in [s.value for s in at.success]
    assert "Vielen Dank, das hilft mir sehr." in texts(at)


def test_jonas_sees_his_reply_under_gesendet():
    at = jonas_on("pages/member_postbox.py")
    assert "Ihre Antworten auf Schreiben" in [h.value for h in at.subheader]
    assert "Vielen Dank, das hilft mir sehr." in texts(at)


def test_the_clerk_sees_the_reply_threaded_under_the_letter():
    at = clerk_on("pages/clerk_letters.py")
    assert "Neue Antworten von Mitgliedern (1)" in [e.label for e in at.expander]

    at = keyed(at, "button", "open_reply_").click().run()

    assert not at.exception
    assert "Vielen Dank, das hilft mir sehr." in texts(at)
    assert "Bestätigung Ihrer Mitgliedschaft" in texts(at)
    at = clerk_on("pages/clerk_letters.py")
    assert "Neue Antworten von Mitgliedern (0)" in [e.label for e in at.expander]


def _looks(*actions: str) -> list[int]:
    return [len(audit_looks(action)) for action in actions]


LETTER_LOOKS = ("view_unanswered_replies", "view_letters", "view_letter", "preview_letter")


def test_the_letters_page_audits_each_look_once_per_visit_and_again_on_coming_back():
    replies, listed, opened, previewed = _looks(*LETTER_LOOKS)
    at = _clerk_with_recipient()
    at = keyed(at, "button", "open_letter_").click().run()
    at = at.run()  # a rerun redraws the same replies, letters and letter

    assert not at.exception and "Vielen Dank, das hilft mir sehr." in texts(at)
    assert _looks(*LETTER_LOOKS) == [replies + 1, listed + 1, opened + 1, previewed]
    assert audit_looks("view_letter")[-1].actor == "sachbearbeitung"

    at.selectbox(key="letter_template").set_value("bestaetigung_mitgliedschaft").run()
    at = at.button(key="letter_preview").click().run()  # name and address on the letter
    assert errors(at) == []
    assert _looks(*LETTER_LOOKS) == [replies + 1, listed + 1, opened + 1, previewed + 1]

    at = leave_and_come_back(at, "pages/clerk_letters.py")

    assert "Vielen Dank, das hilft mir sehr." in texts(at)  # the letter is still open
    assert _looks(*LETTER_LOOKS) == [replies + 2, listed + 2, opened + 2, previewed + 1]


def test_jonas_starts_a_conversation_with_an_attachment(portal_db):
    at = jonas_on("pages/member_messenger.py")
    assert "Sie haben noch keine Unterhaltung mit uns." in shown_text(at)

    keyed(at, "text_input", "new_subject_").input("Meine Rechnung")
    keyed(at, "text_area", "new_body_").input(HOSTILE)
    keyed(at, "file_uploader", "new_file_").set_value(("rechnung.pdf", a_pdf(), "application/pdf"))
    at = at.button(key=NEW_CONVERSATION).click().run()

    assert errors(at) == [] and not at.exception
    assert HOSTILE in texts(at)
    assert count(portal_db, Conversation) == 1


def test_a_hostile_attachment_is_refused_in_the_messenger(portal_db):
    at = jonas_on("pages/member_messenger.py")
    keyed(at, "text_area", "answer_body_").input("Noch ein Dokument")
    keyed(at, "file_uploader", "answer_file_").set_value(
        ("foto.jpg", b"MZ\x90\x00" + bytes(200), "image/jpeg")
    )
    at = at.button(key=MEMBER_ANSWER).click().run()

    assert len(errors(at)) == 1 and errors(at)[0].startswith("Nicht gesendet.")
    assert count(portal_db, Message) == 1


def _clerk_opens_the_conversation(portal_db):
    with Session(portal_db) as session:
        conversation_id = session.exec(select(Conversation.id)).one()
    at = clerk_on("pages/clerk_messages.py")
    return at.selectbox(key="messages_choice").set_value(conversation_id).run()


def test_the_clerk_sees_member_html_and_markdown_literally(portal_db):
    at = _clerk_opens_the_conversation(portal_db)

    assert not at.exception
    shown = [element for element in at.text if element.value == HOSTILE]
    assert len(shown) == 1  # an st.text element: preformatted, never Markdown or HTML
    assert shown[0].type == "text"
    rendered = [m.value for m in (*at.markdown, *at.caption, *at.subheader)]
    assert not any("alert(1)" in value or "fett" in value for value in rendered)
    # The portal's own stylesheet is the only raw HTML on the page; no member text is in it.
    assert not any("alert(1)" in str(element.proto) for element in at.get("html"))


def test_the_clerk_files_the_attachment_into_the_inbox_and_answers(portal_db):
    at = _clerk_opens_the_conversation(portal_db)
    with Session(portal_db) as session:
        message_id, size = session.exec(select(Message.id, Message.attachment_size)).one()
    # the attachment is decrypted, and its look audited, only when the clerk fetches it
    [(label, url)] = file_links(at).items()
    assert label.startswith("Anhang herunterladen (")
    looks = len(audit_looks("view_message_attachment"))
    attachment = file_bytes(at, url)
    assert attachment.startswith(b"%PDF") and len(attachment) == size
    assert len(audit_looks("view_message_attachment")) == looks + 1

    at = at.button(key=f"file_{message_id}").click().run()
    assert errors(at) == []
    assert any(s.value.startswith("In den Posteingang übernommen.") for s in at.success)
    assert count(portal_db, Submission) == 1
    assert not [b for b in at.button if b.key == f"file_{message_id}"]  # filed once

    keyed(at, "text_area", "clerk_answer_body_").input("Danke, wir kümmern uns darum.")
    at = at.button(key=CLERK_ANSWER).click().run()
    assert errors(at) == []
    assert "Danke, wir kümmern uns darum." in texts(at)


MESSAGE_LOOKS = ("view_conversations", "view_conversation")


def test_the_messages_page_audits_list_and_conversation_once_per_look(portal_db):
    listed, opened = _looks(*MESSAGE_LOOKS)
    at = _clerk_opens_the_conversation(portal_db).run()  # opened, then redrawn

    assert not at.exception and "Unterhaltung" in [s.value for s in at.subheader]
    assert _looks(*MESSAGE_LOOKS) == [listed + 1, opened + 1]

    at = at.text_input(key="messages_search").input(JONAS_KVNR).run()
    assert _looks(*MESSAGE_LOOKS) == [listed + 2, opened + 1]
    assert audit_looks("view_conversations")[-1].actor == "sachbearbeitung"

    at = leave_and_come_back(at, "pages/clerk_messages.py")

    assert "Unterhaltung" not in [s.value for s in at.subheader]  # a new visit starts unchosen
    assert _looks(*MESSAGE_LOOKS) == [listed + 3, opened + 1]
    with Session(portal_db) as session:
        conversation_id = session.exec(select(Conversation.id)).one()
    at = at.selectbox(key="messages_choice").set_value(conversation_id).run()
    assert _looks(*MESSAGE_LOOKS) == [listed + 3, opened + 2]  # chosen again: a new look


def test_jonas_reads_the_answer_and_the_tracking_id():
    at = jonas_on("pages/member_messenger.py")

    assert "Danke, wir kümmern uns darum." in texts(at)
    assert any("HEK-Service" in c.value for c in at.caption)
    assert [c.value for c in at.code if c.value.startswith("HEK-")]


def test_jonas_answers_and_the_clerk_closes_the_conversation(portal_db):
    at = jonas_on("pages/member_messenger.py")
    keyed(at, "text_area", "answer_body_").input("Prima, danke!")
    at = at.button(key=MEMBER_ANSWER).click().run()
    assert "Prima, danke!" in texts(at)

    at = _clerk_opens_the_conversation(portal_db)
    at = at.button(key="close_conversation").click().run()
    assert not at.exception

    at = jonas_on("pages/member_messenger.py")
    assert "Diese Unterhaltung ist abgeschlossen." in shown_text(at)


@pytest.mark.parametrize("page", ["pages/member_postbox.py", "pages/member_messenger.py"])
def test_a_basic_member_is_refused_the_postbox_and_the_messenger(page):
    at = login("lena.basic", page=page)
    assert errors(at) == ["Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."]


def test_another_member_sees_none_of_jonas_letters_or_messages():
    at = login("deniz.familie").switch_page("pages/member_postbox.py").run()
    assert "Bestätigung Ihrer Mitgliedschaft" not in shown_text(at)
    at = login("deniz.familie").switch_page("pages/member_messenger.py").run()
    assert "Sie haben noch keine Unterhaltung mit uns." in shown_text(at)
    assert HOSTILE not in texts(at)
