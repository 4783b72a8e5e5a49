"""Every hostile sample is refused with a German reason, or accepted for what it really is."""

import re
import unicodedata
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from core.errors import DomainError
from core.uploads import CheckedFile, IncomingFile, UploadRejected, build_submission, check_file
from tests.hostile_files import HostileCase, hostile_cases

CASES = hostile_cases()
BY_ID = {case.id: case for case in CASES}
REFUSED = [case for case in CASES if case.expected_code]
ACCEPTED = [case for case in CASES if not case.expected_code]

GERMAN_WORDS = {"die", "das", "ist", "nicht", "bitte", "datei", "wird", "sind", "und", "zu"}
ENGLISH_WORDS = {"the", "file", "error", "is", "not", "please", "invalid"}


def submit(case: HostileCase) -> CheckedFile:
    """What an upload page does: check every file; several files make one submission."""
    checked = check_file(IncomingFile(case.filename, case.data))
    if case.together_with:
        others = [check_file(IncomingFile(name, data)) for name, data in case.together_with]
        build_submission([checked, *others])
    return checked


def assert_german_for_members(message: str) -> None:
    words = set(re.findall(r"[a-zäöüß]+", message.lower()))
    assert len(words & GERMAN_WORDS) >= 2, message
    assert not words & ENGLISH_WORDS, message
    assert message != DomainError.default_message
    assert "{" not in message


def test_the_catalogue_has_at_least_25_distinct_samples():
    assert len(CASES) >= 25
    assert len(BY_ID) == len(CASES)


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.id)
def test_hostile_file_is_refused_with_a_german_reason(case):
    with pytest.raises(UploadRejected) as caught:
        submit(case)
    assert caught.value.code == case.expected_code
    assert_german_for_members(caught.value.message)


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: case.id)
def test_disguised_file_is_accepted_for_what_its_content_is(case):
    checked = submit(case)
    assert checked.kind == case.expected_kind
    assert not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in checked.name)
    assert "/" not in checked.name and "\\" not in checked.name
    expected_extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
    assert checked.name.endswith(expected_extension[checked.mime])
    if checked.is_image:
        with Image.open(BytesIO(checked.data)) as image:
            assert not image.getexif()
            assert not set(image.info) & {"exif", "icc_profile", "xmp", "comment", "Author"}


def test_unsupported_type_message_lists_the_allowed_formats():
    with pytest.raises(UploadRejected) as caught:
        submit(BY_ID["exe_named_jpg"])
    assert (
        "Erlaubt sind PDF, JPEG, PNG, HEIC, WebP, TIFF, GIF, AVIF und BMP." in caught.value.message
    )


def test_png_bytes_named_pdf_are_treated_as_the_png_they_are():
    checked = submit(BY_ID["png_named_pdf"])
    assert (checked.mime, checked.name) == ("image/png", "scan.png")


def test_path_components_are_stripped_and_the_pdf_keeps_its_pages():
    case = BY_ID["path_traversal_name"]
    checked = submit(case)
    assert checked.name == "passwd.pdf"
    assert [page.extract_text() for page in PdfReader(BytesIO(checked.data)).pages] == [
        "Seite 1",
        "Seite 2",
    ]


@pytest.mark.parametrize(
    ("case_id", "pages"), [("pdf_zip_in_unreferenced_object", 1), ("pdf_zip_after_eof", 2)]
)
def test_a_zip_hidden_in_a_pdf_is_gone_from_the_stored_file(case_id, pages):
    case = BY_ID[case_id]
    assert b"PK\x03\x04" in case.data and b"evil.exe" in case.data
    checked = submit(case)
    assert b"PK\x03\x04" not in checked.data and b"evil.exe" not in checked.data
    assert checked.page_count == pages


def test_metadata_of_a_webp_photo_is_gone():
    checked = submit(BY_ID["webp_with_gps_exif"])
    assert checked.mime == "image/jpeg" and checked.name == "foto.jpg"
    for trace in (b"Exif", b"HEK-Testkamera"):
        assert trace not in checked.data


def test_bidi_override_and_control_characters_vanish_from_names():
    assert submit(BY_ID["rtl_override_name"]).name == "Rechnunggpj.jpg"
    assert submit(BY_ID["control_characters_name"]).name == "scan[2J.pdf"


def test_photo_loses_gps_and_every_other_metadata_field_and_is_turned_upright():
    case = BY_ID["jpeg_with_gps_exif"]
    with Image.open(BytesIO(case.data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the sample really carries a position
    checked = submit(case)
    with Image.open(BytesIO(checked.data)) as image:
        assert image.size == (20, 40)  # 40x20 with orientation 6 (rotate 90°) comes out upright
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)  # GPS IFD
        assert "icc_profile" not in image.info and "comment" not in image.info
    for trace in (b"Exif", b"HEK-Testkamera", b"Berlin", b"fake-icc"):
        assert trace not in checked.data


def test_png_text_and_xmp_chunks_are_removed():
    checked = submit(BY_ID["png_with_text_chunks"])
    for trace in (b"tEXt", b"iTXt", b"Erika", b"xmpmeta"):
        assert trace not in checked.data


def test_zip_appended_to_a_photo_does_not_survive_normalisation():
    checked = submit(BY_ID["jpeg_zip_polyglot"])
    assert b"PK\x03\x04" not in checked.data
    assert b"evil.exe" not in checked.data


def test_limits_appear_in_the_reasons():
    with pytest.raises(UploadRejected) as too_large:
        submit(BY_ID["over_file_limit"])
    assert "10 MB" in too_large.value.message
    with pytest.raises(UploadRejected) as too_many_pages:
        submit(BY_ID["pdf_5000_pages"])
    assert "200 Seiten" in too_many_pages.value.message
