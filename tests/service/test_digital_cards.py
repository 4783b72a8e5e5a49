"""Digitaler Versicherungsausweis: 14 days from the request day, 4 a calendar year, signed QR."""

import hashlib
import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core import crypto, digital_cards
from core.digital_cards import CardLimitReached
from core.errors import NotAllowed
from core.models.audit import AuditEntry
from core.models.blobs import EncryptedBlob
from core.models.digital_cards import DigitalCard
from core.models.people import Member
from tests.factories import make_account, make_member

REQUEST_DAY = date(2026, 3, 1)


@pytest.fixture
def smart(session):
    member = make_member(
        session,
        service_level="smart",
        first_name="Jonas",
        last_name="Albrecht",
        birth_date=date(1986, 9, 2),
    )
    return make_account(session, username="jonas", member=member)


def _request(session, actor, day, key=None):
    return digital_cards.request_card(session, actor=actor, today=day, idempotency_key=key)


def test_a_card_is_ready_at_once_and_valid_through_the_thirteenth_day_after_the_request(
    session, smart
):
    card = _request(session, smart, REQUEST_DAY)

    assert card.status == "bereit"
    assert (card.valid_from, card.valid_until) == (date(2026, 3, 1), date(2026, 3, 14))


def test_card_is_valid_on_day_14_and_invalid_on_day_15(session, smart):
    card = _request(session, smart, REQUEST_DAY)
    day_14, day_15 = date(2026, 3, 14), date(2026, 3, 15)

    assert card.is_valid_on(day_14) and card.days_left(day_14) == 1
    assert not card.is_valid_on(day_15) and card.days_left(day_15) == 0
    assert digital_cards.verify_card_payload(card.payload, today=day_14).status == "valid"
    assert digital_cards.verify_card_payload(card.payload, today=day_15).status == "expired"
    assert digital_cards.card_overview(session, actor=smart, today=day_14).current == card
    assert digital_cards.card_overview(session, actor=smart, today=day_15).current is None


def test_the_counter_counts_down_and_the_fifth_card_in_a_year_is_refused_naming_the_hotline(
    session, smart
):
    days = [date(2026, 1, 5), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
    for number, day in enumerate(days, start=1):
        _request(session, smart, day)
        overview = digital_cards.card_overview(session, actor=smart, today=day)
        assert overview.counter_label == f"Noch {4 - number} von 4 in 2026"

    with pytest.raises(CardLimitReached) as refusal:
        _request(session, smart, date(2026, 11, 20))

    assert "0800 0213213" in refusal.value.message
    assert "in 2026 bereits 4" in refusal.value.message
    assert len(session.exec(select(DigitalCard)).all()) == 4


def test_the_fifth_card_is_refused_on_31_december_and_allowed_again_on_1_january(session, smart):
    for day in (date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1), date(2026, 12, 30)):
        _request(session, smart, day)

    with pytest.raises(CardLimitReached):
        _request(session, smart, date(2026, 12, 31))
    new_year = _request(session, smart, date(2027, 1, 1))

    assert new_year.valid_until == date(2027, 1, 14)
    overview = digital_cards.card_overview(session, actor=smart, today=date(2027, 1, 1))
    assert overview.counter_label == "Noch 3 von 4 in 2027"
    assert overview.current == new_year


def test_a_double_click_issues_one_card_not_two_of_the_four(session, smart):
    first = _request(session, smart, REQUEST_DAY, key="same-click")
    second = _request(session, smart, REQUEST_DAY, key="same-click")

    assert first.id == second.id
    assert digital_cards.card_overview(session, actor=smart, today=REQUEST_DAY).used == 1


def test_a_basic_member_cannot_request_a_card(session):
    basic = make_account(session, username="lena", member=make_member(session))

    with pytest.raises(NotAllowed):
        _request(session, basic, REQUEST_DAY)
    with pytest.raises(NotAllowed):
        digital_cards.card_overview(session, actor=basic)


def test_the_qr_payload_is_signed_and_names_card_person_and_validity(session, smart):
    card = _request(session, smart, REQUEST_DAY)

    check = digital_cards.verify_card_payload(card.payload, today=date(2026, 3, 5))

    assert check.is_valid
    assert check.card == digital_cards.CardFacts(
        card_id=card.id,
        kvnr=session.get(Member, smart.member_id).kvnr,
        name="Jonas Albrecht",
        birth_date=date(1986, 9, 2),
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 3, 14),
        key_id=digital_cards.configured_signing_key().key_id,
    )
    assert check.message.startswith("Echt und heute gültig.")


def test_a_changed_or_foreign_payload_is_not_a_card(session, smart):
    card = _request(session, smart, REQUEST_DAY)
    key_id, body, signature = card.payload.split(".")
    other_key = crypto.generate_signing_key("other")
    certificate_like = crypto.sign_payload(
        fields={"t": "hek-certificate/1", "cid": 1},
        signing_key=digital_cards.configured_signing_key(),
    )

    checks = {
        "tampered": digital_cards.verify_card_payload(f"{key_id}.{body}x.{signature}"),
        "garbage": digital_cards.verify_card_payload("kein QR-Code"),
        "empty": digital_cards.verify_card_payload(""),
        "other type": digital_cards.verify_card_payload(certificate_like),
        "other key": digital_cards.verify_card_payload(
            crypto.sign_payload(fields={"t": "hek-dva/1"}, signing_key=other_key)
        ),
    }

    assert {name: check.status for name, check in checks.items()} == {
        "tampered": "invalid",
        "garbage": "invalid",
        "empty": "invalid",
        "other type": "invalid",
        "other key": "unknown_key",
    }
    assert all(check.card is None for check in checks.values())


def test_the_pdf_is_stored_encrypted_and_downloads_exactly_as_issued(session, smart):
    card = _request(session, smart, REQUEST_DAY)

    pdf = digital_cards.card_pdf(session, actor=smart, card_id=card.id)

    row = session.get(DigitalCard, card.id)
    assert hashlib.sha256(pdf).hexdigest() == row.pdf_sha256
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Digitaler Versicherungsausweis" in text
    assert "Jonas Albrecht" in text and "14.03.2026" in text and "0800" in text
    blob = session.exec(
        select(EncryptedBlob).where(EncryptedBlob.owner_type == "digital_card")
    ).one()
    assert b"%PDF" not in blob.ciphertext


def test_another_member_cannot_download_my_card(session, smart):
    card = _request(session, smart, REQUEST_DAY)
    other = make_account(
        session, username="other", member=make_member(session, service_level="smart")
    )

    with pytest.raises(digital_cards.CardNotFound):
        digital_cards.card_pdf(session, actor=other, card_id=card.id)


def test_requesting_a_card_is_audited(session, smart):
    card = _request(session, smart, REQUEST_DAY)

    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == "request_digital_card")
    ).one()
    assert (entry.actor, entry.subject_id) == ("jonas", str(card.id))
