import base64
import hashlib
import io
import json
import uuid
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core import certificate_issuing as issuing
from core import certificates, preferences
from core.__main__ import main
from core.certificate_seal import (
    configured_signing_key,
    verification_keys,
    verify_certificate_payload,
    verify_certificate_pdf,
    verify_uploaded_certificate,
)
from core.clock import today_berlin
from core.crypto import generate_signing_key, sign_payload
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.blobs import EncryptedBlob
from core.models.certificates import CertificateRequest
from core.models.issued_certificates import IssuedCertificate
from core.uploads import UploadRejected
from tests.factories import make_account, make_member

INSURANCE, MEMBERSHIP = "versicherung", "mitgliedschaft"
TRAILER = b"%HEK-SIG:"


@pytest.fixture
def people(session):
    """A smart member with App-Kommunikation on (own certificate in the app), a basic one
    (by post), and a clerk."""
    smart = make_member(session, first_name="Jonas", last_name="Albrecht", service_level="smart")
    basic = make_member(
        session,
        first_name="Lena",
        last_name="Berger",
        birth_date=date(1991, 4, 17),
        membership_start=date(2015, 1, 1),
    )
    smart_actor = make_account(session, username="jonas", member=smart)
    preferences.set_app_communication(session, actor=smart_actor, enabled=True)
    return {
        "smart": smart,
        "basic": basic,
        "smart_actor": smart_actor,
        "basic_actor": make_account(session, username="lena", member=basic),
        "clerk": make_account(session, username="clerk", role=Role.CLERK),
    }


def _request(session, actor, member, cert_type=INSURANCE):
    return certificates.request_certificate(
        session,
        actor=actor,
        cert_type=cert_type,
        kvnr=member.kvnr,
        idempotency_key=uuid.uuid4().hex,
    )


def _issue(session, people, who="basic", **options):
    filed = _request(session, people[f"{who}_actor"], people[who])
    issued = issuing.issue_certificate(
        session, actor=people["clerk"], request_id=filed.id, **options
    )
    return issued, _pdf_of(session, people, issued.id)


def _pdf_of(session, people, certificate_id):
    return issuing.issued_certificate_pdf(
        session, actor=people["clerk"], certificate_id=certificate_id
    )


def _page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _status(session, request_id):
    session.expire_all()
    return session.get(CertificateRequest, request_id).status


def _tampered_body(payload: str, **changes) -> str:
    key_id, body, signature = payload.split(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    fields.update(changes)
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    new_body = base64.urlsafe_b64encode(encoded.encode()).rstrip(b"=").decode()
    return f"{key_id}.{new_body}.{signature}"


# Issuing and verifying


def test_issued_certificate_verifies_with_the_persons_data_and_status(session, people):
    issued, pdf = _issue(session, people)

    check = verify_certificate_pdf(pdf)

    assert check.status == "valid"
    fields = check.fields
    assert (fields.name, fields.birth_date) == ("Lena Berger", date(1991, 4, 17))
    assert (fields.cert_label, fields.insured_since, fields.insured_until) == (
        "Versicherungsbescheinigung",
        date(2015, 1, 1),
        None,
    )
    assert fields.issued_on == today_berlin()
    assert fields.insurance_status == "versichert seit 01.01.2015"
    assert hashlib.sha256(pdf).hexdigest() == issued.pdf_sha256


def test_issued_pdf_passes_the_upload_checks_and_its_qr_payload_verifies(session, people):
    issued, pdf = _issue(session, people)
    row = session.get(IssuedCertificate, issued.id)

    assert verify_uploaded_certificate(name="bescheinigung.pdf", data=pdf).status == "valid"
    assert PdfReader(io.BytesIO(pdf)).metadata.subject == row.payload
    printed = verify_certificate_payload(f"Prüfcode: {row.payload[:40]}\n{row.payload[40:]}")
    assert printed.status == "valid"
    assert printed.fields == verify_certificate_pdf(pdf).fields


def test_the_stored_pdf_is_encrypted_at_rest(session, people):
    issued, pdf = _issue(session, people)
    blob = session.get(EncryptedBlob, session.get(IssuedCertificate, issued.id).blob_id)

    assert b"%PDF" not in blob.ciphertext and TRAILER not in blob.ciphertext
    assert blob.size == len(pdf)


def test_an_ended_membership_is_certified_with_its_end(session, people):
    people["basic"].membership_end = today_berlin() - timedelta(days=1)
    session.add(people["basic"])
    session.commit()

    check = verify_certificate_pdf(_issue(session, people)[1])

    assert check.status == "valid"
    assert not check.fields.insured_on_issue
    assert check.fields.insured_until == today_berlin() - timedelta(days=1)


# Tamper evidence


def test_changing_any_single_byte_of_an_issued_certificate_fails_verification(session, people):
    _issued, pdf = _issue(session, people)
    keys = verification_keys()
    trailer_start = pdf.rindex(TRAILER)
    spread = {round(i * (len(pdf) - 1) / 299) for i in range(300)}
    positions = sorted(spread | {0, len(pdf) - 1} | set(range(trailer_start, len(pdf))))
    assert verify_certificate_pdf(pdf, public_keys=keys).status == "valid"

    accepted = []
    for position in positions:
        for flip in (0x01, 0x80):
            changed = bytearray(pdf)
            changed[position] ^= flip
            if verify_certificate_pdf(bytes(changed), public_keys=keys).status == "valid":
                accepted.append((position, flip))

    assert len(positions) > 350
    assert accepted == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda pdf: pdf[: pdf.rindex(TRAILER)], id="signature-line-removed"),
        pytest.param(lambda pdf: pdf[:-1], id="last-newline-cut"),
        pytest.param(lambda pdf: pdf + b"\n", id="newline-appended"),
        pytest.param(lambda pdf: pdf + b"%%EOF\n", id="line-appended"),
        pytest.param(lambda pdf: pdf[1:], id="first-byte-cut"),
        pytest.param(lambda pdf: b" " + pdf, id="byte-prepended"),
    ],
)
def test_cutting_or_adding_bytes_fails_verification(session, people, change):
    _issued, pdf = _issue(session, people)

    assert verify_certificate_pdf(change(pdf)).status == "invalid"


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Lena Bergmann"},
        {"born": "1981-04-17"},
        {"until": ""},
        {"since": "2010-01-01"},
        {"issued": "2099-01-01"},
        {"type": MEMBERSHIP},
        {"kvnr": "A123456780"},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_a_payload_with_a_changed_field_is_invalid(session, people, changes):
    people["basic"].membership_end = date(2030, 12, 31)
    session.add(people["basic"])
    session.commit()
    issued, _pdf = _issue(session, people)
    payload = session.get(IssuedCertificate, issued.id).payload

    check = verify_certificate_payload(_tampered_body(payload, **changes))

    assert check.status == "invalid"
    assert check.fields is None


def test_a_signed_payload_of_another_kind_is_not_a_certificate():
    other_use = sign_payload(
        fields={"name": "Lena Berger", "valid_until": "2099-01-01"},
        signing_key=configured_signing_key(),
    )

    assert verify_certificate_payload(other_use).status == "invalid"


def test_a_certificate_signed_with_an_unknown_key_is_not_valid(session, people):
    issued, pdf = _issue(session, people, signing_key=generate_signing_key("sig-fremd"))
    payload = session.get(IssuedCertificate, issued.id).payload

    file_check = verify_certificate_pdf(pdf)
    payload_check = verify_certificate_payload(payload)

    assert (file_check.status, file_check.key_id) == ("unknown_key", "sig-fremd")
    assert (payload_check.status, payload_check.key_id) == ("unknown_key", "sig-fremd")
    assert file_check.fields is None and payload_check.fields is None


@pytest.mark.parametrize(
    "junk", ["", "   ", "kein prüfcode", "{key}.b.c", "x" * 5000, "sig-1..", "Prüfcode:"]
)
def test_malformed_payloads_are_invalid_not_errors(junk):
    text = junk.replace("{key}", configured_signing_key().key_id)

    assert verify_certificate_payload(text).status == "invalid"


def test_a_file_that_is_not_a_pdf_is_rejected_by_the_upload_checks():
    with pytest.raises(UploadRejected):
        verify_uploaded_certificate(name="bescheinigung.pdf", data=b"\x89PNG\r\n\x1a\n" + b"0" * 64)


# Who may read what


def test_member_reads_their_own_app_certificate_but_not_another_members(session, people):
    issued, pdf = _issue(session, people, who="smart")
    assert issued.delivery == "app"

    own = issuing.issued_certificate_pdf(
        session, actor=people["smart_actor"], certificate_id=issued.id
    )

    assert own == pdf
    with pytest.raises(issuing.CertificateNotFound):
        issuing.issued_certificate_pdf(
            session, actor=people["basic_actor"], certificate_id=issued.id
        )
    with pytest.raises(issuing.CertificateNotFound):
        issuing.issued_certificate_pdf(
            session, actor=people["basic_actor"], certificate_id=issued.id + 1000
        )


def test_a_postal_certificate_is_not_offered_in_the_app(session, people):
    issued, _pdf = _issue(session, people, who="basic")
    assert issued.delivery == "post"

    with pytest.raises(issuing.CertificateNotFound):
        issuing.issued_certificate_pdf(
            session, actor=people["basic_actor"], certificate_id=issued.id
        )
    assert issuing.my_issued_certificates(session, actor=people["basic_actor"]) == []


def test_my_issued_certificates_lists_only_the_members_own_app_certificates(session, people):
    mine, _ = _issue(session, people, who="smart")
    _issue(session, people, who="basic")
    # The smart member asks for the basic member's certificate: it goes by post to her.
    for_other = _request(session, people["smart_actor"], people["basic"])
    issuing.issue_certificate(session, actor=people["clerk"], request_id=for_other.id)

    listed = issuing.my_issued_certificates(session, actor=people["smart_actor"])

    assert [item.id for item in listed] == [mine.id]
    assert issuing.my_issued_certificates(session, actor=people["basic_actor"]) == []


def test_only_staff_issue_certificates_and_print_batches(session, people):
    filed = _request(session, people["basic_actor"], people["basic"])

    with pytest.raises(NotAllowed):
        issuing.issue_certificate(session, actor=people["basic_actor"], request_id=filed.id)
    with pytest.raises(NotAllowed):
        issuing.print_batch_pdf(session, actor=people["basic_actor"], day=today_berlin())
    assert _status(session, filed.id) == "offen"


# Request status and the print batch


def test_issuing_an_app_certificate_marks_the_request_created(session, people):
    filed = _request(session, people["smart_actor"], people["smart"])

    issued = issuing.issue_certificate(session, actor=people["clerk"], request_id=filed.id)

    assert _status(session, filed.id) == "erstellt"
    assert session.get(CertificateRequest, filed.id).fulfilled_at is not None
    assert issued.print_batch_date is None
    assert filed.id not in [
        item.id for item in certificates.open_certificate_requests(session, actor=people["clerk"])
    ]


def test_a_request_is_issued_once(session, people):
    filed = _request(session, people["basic_actor"], people["basic"])
    issuing.issue_certificate(session, actor=people["clerk"], request_id=filed.id)

    with pytest.raises(issuing.RequestNotOpen):
        issuing.issue_certificate(session, actor=people["clerk"], request_id=filed.id)
    issued = session.exec(
        select(IssuedCertificate).where(IssuedCertificate.request_id == filed.id)
    ).all()
    assert len(issued) == 1


def test_postal_certificates_join_todays_batch_and_are_sent_with_it(session, people):
    filed = [_request(session, people["basic_actor"], people["basic"]) for _ in range(3)]
    filed.append(_request(session, people["smart_actor"], people["basic"]))  # for another: post
    app_request = _request(session, people["smart_actor"], people["smart"])
    issued = [
        issuing.issue_certificate(session, actor=people["clerk"], request_id=request.id)
        for request in [*filed, app_request]
    ]
    pages = sum(_page_count(_pdf_of(session, people, item.id)) for item in issued[:-1])
    today = today_berlin()
    assert {item.print_batch_date for item in issued[:-1]} == {today}
    assert issuing.print_batch(session, actor=people["clerk"], day=today) == issuing.PrintBatch(
        day=today, certificates=4, unsent=4
    )
    assert [_status(session, request.id) for request in filed] == ["erstellt"] * 4

    batch = issuing.print_batch_pdf(session, actor=people["clerk"], day=today)

    assert _page_count(batch) == pages == 4
    assert [_status(session, request.id) for request in filed] == ["versandt"] * 4
    assert _status(session, app_request.id) == "erstellt"
    assert issuing.print_batch(session, actor=people["clerk"], day=today).unsent == 0
    again = issuing.print_batch_pdf(session, actor=people["clerk"], day=today)
    assert _page_count(again) == 4  # a paper jam: the same batch printed again


def test_a_day_without_postal_certificates_has_nothing_to_print(session, people):
    _issue(session, people, who="smart")  # an app certificate is never printed

    with pytest.raises(issuing.NothingToPrint, match="keine Bescheinigungen"):
        issuing.print_batch_pdf(session, actor=people["clerk"], day=today_berlin())


def test_issuing_and_printing_are_audited(session, people):
    issued, _pdf = _issue(session, people)
    issuing.print_batch_pdf(session, actor=people["clerk"], day=issued.print_batch_date)

    entries = session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
    by_action = {entry.action: entry for entry in entries}

    assert by_action["certificate_issued"].subject_id == str(issued.id)
    assert issued.pdf_sha256 in by_action["certificate_issued"].details
    assert by_action["view_issued_certificate"].actor == "clerk"
    assert json.loads(by_action["certificate_batch_printed"].details) == {
        "certificates": 1,
        "marked_sent": 1,
    }


# Command line


def test_cli_verify_certificate_exits_0_for_valid_and_1_for_changed(
    session, people, tmp_path, capsys
):
    _issued, pdf = _issue(session, people)
    valid, changed = tmp_path / "echt.pdf", tmp_path / "falsch.pdf"
    valid.write_bytes(pdf)
    middle = len(pdf) // 2
    changed.write_bytes(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :])

    assert main(["verify-certificate", str(valid)]) == 0
    assert "GÜLTIG" in capsys.readouterr().out
    assert main(["verify-certificate", str(changed)]) == 1
    assert "UNGÜLTIG" in capsys.readouterr().out
    assert main(["verify-certificate", str(tmp_path / "fehlt.pdf")]) == 1
