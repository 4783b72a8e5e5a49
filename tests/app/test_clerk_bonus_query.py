"""Bonusnachweise: evidence sent back from the Posteingang with "Rückfrage" still waits for
review; the next clerk sees that the member was asked, when and what, and can still decide."""

from sqlmodel import select

from core import auth, bonus, documents, inbox
from core.clock import to_berlin, today_berlin
from core.db import session_scope
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.uploads import IncomingFile
from tests.app.helpers import errors, login
from tests.service.test_documents import pdf_bytes
from tests.service.test_inbox import _decide_in_inbox

CLERK_PAGE = "pages/clerk_bonus.py"
QUESTION = "Bitte senden Sie auch die Rückseite der Bescheinigung."


def _actor(db, username: str):
    account = db.exec(select(UserAccount).where(UserAccount.username == username)).one()
    return auth.actor_for(db, account)


def _pdf(name: str) -> list[IncomingFile]:
    return [IncomingFile(name, pdf_bytes(1, name), "application/pdf")]


def _evidence_cards(at) -> dict[str, object]:
    """The bordered items of the "Nachweise" tab, by the category they open with."""
    cards = {}
    for block in at.tabs[1].children.values():
        lines = [markdown.value for markdown in block.markdown]
        if lines and lines[0].startswith("**"):
            cards[lines[0].split("**")[1]] = block
    return cards


def test_evidence_sent_back_with_a_query_shows_when_and_what_was_asked_and_stays_decidable(
    portal_db,
):
    with session_scope(write=True, engine=portal_db) as db:
        clerk, jonas = _actor(db, "sachbearbeitung"), _actor(db, "jonas.smart")
        bonus.apply_for_enrolment(db, actor=jonas, files=_pdf("antrag.pdf"))
        bonus.confirm_enrolment(db, actor=clerk, member_id=jonas.member_id)
        _checkup, teeth = (
            bonus.submit_evidence(
                db,
                actor=jonas,
                category_id=category,
                evidence_date=today_berlin(),
                files=_pdf(f"{category}.pdf"),
            )
            for category in ("checkup", "zahnvorsorge")
        )
        # a first clerk sends it back to jonas from the Posteingang
        _decide_in_inbox(
            db, clerk, teeth.submission_id, inbox.Decision.QUERY, member_message=QUESTION
        )
        asked_on = to_berlin(db.get(Submission, teeth.submission_id).decided_at)

    at = login("sachbearbeitung").switch_page(CLERK_PAGE).run()

    assert not at.exception and errors(at) == []
    cards = _evidence_cards(at)
    assert [warning.value for warning in cards["Gesundheits-Check-up"].warning] == []
    [marker] = [warning.value for warning in cards["Zahnvorsorge"].warning]
    assert marker.startswith(f"**Rückfrage gestellt am {asked_on:%d.%m.%Y}**")
    assert f"„{QUESTION}“" in marker

    [accept] = [b for b in cards["Zahnvorsorge"].button if b.label == "Anerkennen"]
    at = accept.click().run()

    assert not at.exception and errors(at) == []
    assert [s.value for s in at.success] == [
        "Zahnvorsorge für Albrecht, Jonas anerkannt (200 Punkte)."
    ]
    assert list(_evidence_cards(at)) == ["Gesundheits-Check-up"]
    with session_scope(engine=portal_db) as db:
        [sent] = [
            row for row in documents.send_history(db, actor=jonas) if row.id == teeth.submission_id
        ]
    assert (sent.status, sent.member_message) == (
        "erledigt",
        "Ihr Nachweis ist anerkannt: 200 Punkte.",
    )
