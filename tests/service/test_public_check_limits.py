"""The anonymous "Bescheinigung prüfen" page: nothing is parsed before the signature holds, and
one network address may check only so many files an hour."""

import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core import public_check
from core.certificate_seal import seal_pdf
from core.crypto import generate_signing_key
from core.models.identity import ResetAttempt
from core.public_check import FILES_PER_CLIENT, TooManyFileChecks, check_upload
from core.uploads import UploadRejected
from tests.hostile_files import flate_bomb_pdf, fpdf_document, padded_pdf

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
VISITOR = "84.130.17.7"  # public; documentation ranges are not global and never counted


def _files(count: int) -> list[bytes]:
    base = fpdf_document(1)
    return [base + b"%" + str(number).encode() + b"\n" for number in range(count)]


def _cost(action) -> tuple[float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        action()
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, peak


def test_an_unsigned_compression_bomb_is_answered_without_parsing_it(session):
    bomb = flate_bomb_pdf()  # 257 KB that inflate to 256 MB
    assert 200_000 < len(bomb) < 300_000
    result: list = []

    seconds, peak = _cost(lambda: result.append(check_upload(session, name="b.pdf", data=bomb)))

    assert result[0].status == "invalid"
    assert "Signatur fehlt" in result[0].reason
    assert seconds < 0.5 and peak < 5 * 1024 * 1024, (seconds, peak)


def test_a_forged_seal_line_is_refused_before_the_pdf_is_parsed(session):
    forged = seal_pdf(flate_bomb_pdf(), signing_key=generate_signing_key("hek-2026"))
    result: list = []

    seconds, peak = _cost(lambda: result.append(check_upload(session, name="b.pdf", data=forged)))

    assert result[0].status in {"invalid", "unknown_key"}
    assert seconds < 0.5 and peak < 5 * 1024 * 1024, (seconds, peak)


def test_too_large_and_not_a_pdf_are_refused_with_german_reasons(session):
    with pytest.raises(UploadRejected) as too_large:
        check_upload(session, name="a.pdf", data=padded_pdf(2 * 1024 * 1024 + 1))
    assert too_large.value.code == "too_large" and "2 MB" in too_large.value.message
    with pytest.raises(UploadRejected) as not_pdf:
        check_upload(session, name="a.pdf", data=b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert not_pdf.value.message.endswith("Erlaubt ist nur PDF.")


def test_the_sixty_first_file_from_one_address_within_an_hour_is_refused(session):
    files = _files(FILES_PER_CLIENT + 1)
    for number, data in enumerate(files[:-1]):
        check_upload(
            session, name="a.pdf", data=data, client=VISITOR, now=NINE + timedelta(seconds=number)
        )

    with pytest.raises(TooManyFileChecks) as refused:
        check_upload(session, name="a.pdf", data=files[-1], client=VISITOR, now=NINE)

    assert f"{FILES_PER_CLIENT} Dateien" in refused.value.message
    assert "ab 10:00 Uhr" in refused.value.message  # the first check of 09:00 falls out then
    assert "Prüfcode" in refused.value.message  # a pasted code still works
    later = NINE + timedelta(hours=1, seconds=1)
    assert check_upload(session, name="a.pdf", data=files[-1], client=VISITOR, now=later)


def test_another_address_and_the_same_file_again_are_not_held_back(session):
    files = _files(FILES_PER_CLIENT)
    for data in files:
        check_upload(session, name="a.pdf", data=data, client=VISITOR, now=NINE)

    # Streamlit runs the page again on every click with the upload still there: not a new check.
    assert check_upload(session, name="a.pdf", data=files[0], client=VISITOR, now=NINE)
    assert check_upload(session, name="a.pdf", data=files[0], client="91.64.3.20", now=NINE)
    with pytest.raises(TooManyFileChecks):
        check_upload(session, name="a.pdf", data=b"%PDF-anders", client=VISITOR, now=NINE)


def test_local_addresses_are_not_counted_and_the_table_keeps_no_address(session):
    for data in _files(FILES_PER_CLIENT + 1):
        check_upload(session, name="a.pdf", data=data, client="127.0.0.1", now=NINE)
    check_upload(session, name="a.pdf", data=b"%PDF-1.7", client=VISITOR, now=NINE)

    subjects = session.exec(select(ResetAttempt.subject)).all()
    assert len(subjects) == 2  # one count and one file marker for the public address
    assert not any(VISITOR in subject for subject in subjects)
    assert public_check.client_network("10.1.2.3") is None
