"""The public check recognises a digital insurance card as well as a certificate."""

import uuid
from datetime import date

import pytest

from core import certificate_issuing, certificates, digital_cards
from core.__main__ import main
from core.certificate_seal import seal_pdf
from core.crypto import generate_signing_key
from core.digital_cards import CardCheck
from core.models.accounts import Role
from core.models.people import Member
from core.public_check import check_payload, check_pdf, check_upload
from tests.factories import make_account, make_member

REQUEST_DAY = date(2026, 3, 1)


JONAS = {"first_name": "Jonas", "last_name": "Albrecht", "birth_date": date(1986, 9, 2)}


@pytest.fixture
def jonas(session):
    return make_account(
        session, username="jonas", member=make_member(session, service_level="smart", **JONAS)
    )


def _card(session, actor, day=REQUEST_DAY):
    card = digital_cards.request_card(session, actor=actor, today=day)
    return card, digital_cards.card_pdf(session, actor=actor, card_id=card.id)


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_an_uploaded_card_is_a_genuine_card_with_name_birth_date_and_validity(session, jonas):
    card, pdf = _card(session, jonas)

    check = check_upload(session, name="ausweis.pdf", data=pdf, today=date(2026, 3, 14))

    assert isinstance(check, CardCheck) and check.status == "valid"
    assert (check.card.name, check.card.birth_date) == ("Jonas Albrecht", date(1986, 9, 2))
    assert (check.card.valid_from, check.card.valid_until) == (card.valid_from, card.valid_until)


def test_a_genuine_card_file_on_day_15_is_expired_not_valid(session, jonas):
    _, pdf = _card(session, jonas)

    check = check_pdf(pdf, today=date(2026, 3, 15))

    assert check.status == "expired" and not check.is_valid
    assert "abgelaufen" in check.message


def test_one_changed_byte_anywhere_in_a_card_file_makes_it_invalid(session, jonas):
    _, pdf = _card(session, jonas)

    for index in (0, len(pdf) // 3, len(pdf) // 2, len(pdf) - 10, len(pdf) - 2):
        check = check_pdf(_flip(pdf, index), today=REQUEST_DAY)
        assert check.status == "invalid", index
        assert "weder eine unveränderte Bescheinigung noch" in check.reason


def test_a_card_file_sealed_with_another_key_is_not_a_card_of_the_hek(session, jonas):
    _, pdf = _card(session, jonas)
    body = pdf[: pdf.rindex(b"%HEK-SIG:")]
    foreign = seal_pdf(body, signing_key=generate_signing_key("fremd"))

    assert check_pdf(foreign, today=REQUEST_DAY).status == "unknown_key"


def test_a_scanned_card_payload_is_recognised_and_a_changed_one_refused(session, jonas):
    card, _ = _card(session, jonas)

    scanned = check_payload(f"  {card.payload[:30]}\n{card.payload[30:]}\n", today=REQUEST_DAY)
    key_id, body, signature = card.payload.split(".")
    changed = check_payload(f"{key_id}.{body[:-1]}A.{signature}", today=REQUEST_DAY)

    assert isinstance(scanned, CardCheck) and scanned.is_valid
    assert scanned.card.name == "Jonas Albrecht"
    assert changed.status == "invalid" and not isinstance(changed, CardCheck)


def test_a_certificate_is_still_checked_as_a_certificate(session, jonas):
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    filed = certificates.request_certificate(
        session,
        actor=jonas,
        cert_type="versicherung",
        kvnr=session.get(Member, jonas.member_id).kvnr,
        idempotency_key=uuid.uuid4().hex,
    )
    issued = certificate_issuing.issue_certificate(session, actor=clerk, request_id=filed.id)
    pdf = certificate_issuing.issued_certificate_pdf(session, actor=clerk, certificate_id=issued.id)

    check = check_pdf(pdf)

    assert not isinstance(check, CardCheck) and check.valid
    assert check.fields.name == "Jonas Albrecht"


def test_the_command_line_check_recognises_a_card_and_a_changed_card(
    session, jonas, tmp_path, capsys
):
    _, pdf = _card(session, jonas, day=date.today())
    valid, changed = tmp_path / "ausweis.pdf", tmp_path / "veraendert.pdf"
    valid.write_bytes(pdf)
    changed.write_bytes(_flip(pdf, len(pdf) // 2))

    assert main(["verify-certificate", str(valid)]) == 0
    out = capsys.readouterr().out
    assert "GÜLTIG" in out and "Digitaler Versicherungsausweis" in out and "Jonas Albrecht" in out
    assert main(["verify-certificate", str(changed)]) == 1
    assert "UNGÜLTIG" in capsys.readouterr().out
