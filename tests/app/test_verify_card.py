"""Anyone checks Jonas's digital insurance card on the public page "Bescheinigung prüfen"."""

import pytest
from sqlmodel import select

from core import auth, digital_cards
from core.db import session_scope
from core.models.accounts import UserAccount
from core.seed import DEMO_PERSONAS
from tests.app.helpers import errors, open_portal, shown_text

VERIFY_PAGE = "pages/verify_certificate.py"
JONAS = next(p for p in DEMO_PERSONAS if p.username == "jonas.smart")


@pytest.fixture(scope="module")
def card(portal_db) -> tuple[bytes, str]:
    """Jonas's card as he downloads it, and the text its QR code holds."""
    with session_scope(write=True, engine=portal_db) as db:
        account = db.exec(select(UserAccount).where(UserAccount.username == JONAS.username)).one()
        actor = auth.actor_for(db, account)
        issued = digital_cards.request_card(db, actor=actor)
        pdf = digital_cards.card_pdf(db, actor=actor, card_id=issued.id)
    return pdf, issued.payload


def _upload(data: bytes):
    at = open_portal(VERIFY_PAGE)
    return (
        at.file_uploader(key="verify_upload")
        .set_value(("versicherungsausweis.pdf", data, "application/pdf"))
        .run()
    )


def test_an_uploaded_card_is_shown_valid_with_name_birth_date_and_validity(card):
    pdf, _ = card

    at = _upload(pdf)

    assert not at.exception and errors(at) == []
    (result,) = [success.value for success in at.success]
    assert "Der digitale Versicherungsausweis ist gültig." in result
    text = shown_text(at)
    assert "Digitaler Versicherungsausweis" in text
    assert f"Name: {JONAS.display_name}" in text
    assert JONAS.kvnr not in text


def test_a_card_with_one_changed_byte_is_shown_invalid(card):
    pdf, _ = card
    middle = len(pdf) // 2

    at = _upload(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :])

    assert not at.exception and list(at.success) == []
    (refusal,) = errors(at)
    assert "weder eine unveränderte Bescheinigung noch" in refusal
    assert JONAS.display_name not in shown_text(at)


def test_a_pasted_card_qr_text_is_shown_valid_and_a_changed_one_invalid(card):
    _, payload = card
    at = open_portal(VERIFY_PAGE)

    at.text_area(key="verify_code").input(payload)
    at = at.button(key="verify_check").click().run()
    assert ["Versicherungsausweis ist gültig" in s.value for s in at.success] == [True]

    key_id, body, signature = payload.split(".")
    at.text_area(key="verify_code").input(f"{key_id}.{body}.{signature[::-1]}")
    at = at.button(key="verify_check").click().run()
    assert list(at.success) == [] and len(errors(at)) == 1
