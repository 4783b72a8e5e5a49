"""Happy paths and limits of the upload pipeline: check_file, build_submission, safe_filename."""

from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from core.settings import get_settings
from core.uploads import (
    IncomingFile,
    UploadLimits,
    UploadRejected,
    build_submission,
    check_file,
    safe_filename,
)
from tests.hostile_files import fpdf_document, heic, jpeg, pdf_with_pages, png

RED, GREEN, BLUE = (220, 20, 20), (20, 180, 20), (20, 20, 220)


def checked_photo(color, size=(60, 80), name="foto.jpg"):
    return check_file(IncomingFile(name, jpeg(size, color), "image/jpeg"))


def page_colors(pdf_bytes: bytes) -> list[tuple[int, int, int]]:
    """The colour of the one image on each page, rounded to the nearest of RED, GREEN, BLUE."""
    colors = []
    for page in PdfReader(BytesIO(pdf_bytes)).pages:
        red, green, blue = page.images[0].image.convert("RGB").resize((1, 1)).getpixel((0, 0))
        colors.append(
            min(
                (RED, GREEN, BLUE),
                key=lambda c: sum(abs(a - b) for a, b in zip(c, (red, green, blue), strict=True)),
            )
        )
    return colors


def test_multi_page_pdf_is_kept_re_written_with_its_pages_and_text():
    original = fpdf_document(3)
    checked = check_file(IncomingFile("Arztbrief.pdf", original, "application/pdf"))
    assert (checked.kind, checked.mime, checked.page_count) == ("pdf", "application/pdf", 3)
    pages = PdfReader(BytesIO(checked.data), strict=True).pages
    assert [page.extract_text() for page in pages] == ["Seite 1", "Seite 2", "Seite 3"]
    assert checked.name == "Arztbrief.pdf"


def test_three_photos_become_one_pdf_in_the_chosen_order():
    photos = [checked_photo(RED), checked_photo(GREEN), checked_photo(BLUE)]
    document = build_submission(photos, order=[2, 0, 1])
    assert document.page_count == 3
    assert page_colors(document.pdf_bytes) == [BLUE, RED, GREEN]
    assert document.size == len(document.pdf_bytes)


def test_dropped_photo_is_not_in_the_submission():
    photos = [checked_photo(RED), checked_photo(GREEN), checked_photo(BLUE)]
    document = build_submission(photos, order=[2, 0, 1], drop={0})
    assert document.page_count == 2
    assert page_colors(document.pdf_bytes) == [BLUE, GREEN]


def test_every_photo_page_is_a4_and_landscape_photos_get_landscape_pages():
    portrait, landscape = checked_photo(RED, (60, 80)), checked_photo(BLUE, (80, 60))
    pages = PdfReader(BytesIO(build_submission([portrait, landscape]).pdf_bytes)).pages
    sizes = [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height))) for page in pages
    ]
    assert sizes == [(595, 842), (842, 595)]


def test_a_single_pdf_is_submitted_as_it_was_checked():
    checked = check_file(IncomingFile("brief.pdf", fpdf_document(2)))
    document = build_submission([checked])
    assert document.pdf_bytes == checked.data
    assert document.page_count == 2


def test_a_pdf_and_photos_are_merged_in_order():
    letter = check_file(IncomingFile("brief.pdf", fpdf_document(2)))
    document = build_submission([checked_photo(RED), letter, checked_photo(BLUE)])
    pages = PdfReader(BytesIO(document.pdf_bytes)).pages
    assert document.page_count == len(pages) == 4
    assert "Seite 1" in pages[1].extract_text() and "Seite 2" in pages[2].extract_text()
    assert [len(page.images) for page in pages] == [1, 0, 0, 1]


def test_heic_photo_is_converted_to_jpeg_and_fits_into_a_submission():
    checked = check_file(IncomingFile("IMG_0001.HEIC", heic(), "image/heic"))
    assert (checked.kind, checked.mime, checked.name) == ("heic", "image/jpeg", "IMG_0001.jpg")
    assert (checked.width, checked.height) == (64, 48)
    with Image.open(BytesIO(checked.data)) as image:
        red, green, blue = image.convert("RGB").getpixel((32, 24))
    assert green > 120 and red < 60 and blue < 60
    assert build_submission([checked]).page_count == 1


def test_exif_orientation_is_applied_to_the_pixels():
    image = Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise: the left half goes to the top
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    checked = check_file(IncomingFile("quer.jpg", buffer.getvalue()))
    with Image.open(BytesIO(checked.data)) as upright:
        assert upright.size == (20, 40)
        assert upright.getpixel((10, 5))[0] > 150  # top is red
        assert upright.getpixel((10, 35))[2] > 150  # bottom is blue


def test_png_keeps_its_transparency():
    buffer = BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 0)).save(buffer, format="PNG")
    checked = check_file(IncomingFile("logo.png", buffer.getvalue()))
    with Image.open(BytesIO(checked.data)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def test_default_limits_come_from_the_settings():
    limits = UploadLimits()
    assert limits.max_file_bytes == get_settings().max_file_bytes == 10 * 1024 * 1024
    assert limits.max_submission_bytes == get_settings().max_submission_bytes == 20 * 1024 * 1024


def test_file_of_exactly_the_limit_is_accepted_one_byte_more_is_refused():
    pdf = fpdf_document(1)
    assert check_file(IncomingFile("a.pdf", pdf), limits=UploadLimits(max_file_bytes=len(pdf)))
    with pytest.raises(UploadRejected) as caught:
        check_file(IncomingFile("a.pdf", pdf), limits=UploadLimits(max_file_bytes=len(pdf) - 1))
    assert caught.value.code == "too_large"


def test_submission_of_exactly_the_limit_is_accepted_one_byte_more_is_refused():
    checked = check_file(IncomingFile("a.pdf", fpdf_document(1)))
    assert build_submission([checked], limits=UploadLimits(max_submission_bytes=checked.size))
    with pytest.raises(UploadRejected) as caught:
        build_submission([checked], limits=UploadLimits(max_submission_bytes=checked.size - 1))
    assert caught.value.code == "submission_too_large"


def test_built_pdf_over_the_total_limit_is_refused():
    photos = [checked_photo(RED), checked_photo(GREEN)]
    inputs = sum(photo.size for photo in photos)  # the PDF around them is larger than this
    with pytest.raises(UploadRejected) as caught:
        build_submission(photos, limits=UploadLimits(max_submission_bytes=inputs))
    assert caught.value.code == "submission_too_large"


def test_page_limit_edges_for_one_pdf_and_for_a_submission():
    three_pages = pdf_with_pages(3)
    assert check_file(IncomingFile("a.pdf", three_pages), limits=UploadLimits(max_pages=3))
    with pytest.raises(UploadRejected) as caught:
        check_file(IncomingFile("a.pdf", three_pages), limits=UploadLimits(max_pages=2))
    assert caught.value.code == "too_many_pages"
    checked = check_file(IncomingFile("a.pdf", three_pages))
    assert build_submission([checked, checked], limits=UploadLimits(max_pages=6)).page_count == 6
    with pytest.raises(UploadRejected) as caught:
        build_submission([checked, checked], limits=UploadLimits(max_pages=5))
    assert caught.value.code == "too_many_pages"


def test_pixel_limit_edges():
    image = png((64, 48))
    assert check_file(IncomingFile("a.png", image), limits=UploadLimits(max_pixels=64 * 48))
    with pytest.raises(UploadRejected) as caught:
        check_file(IncomingFile("a.png", image), limits=UploadLimits(max_pixels=64 * 48 - 1))
    assert caught.value.code == "too_many_pixels"


def test_a_channel_can_narrow_the_allowed_formats():
    only_pdf = UploadLimits(allowed_kinds=frozenset({"pdf"}))
    with pytest.raises(UploadRejected) as caught:
        check_file(IncomingFile("foto.jpg", jpeg()), limits=only_pdf)
    assert caught.value.code == "unsupported_type"
    assert caught.value.message.endswith("Erlaubt ist nur PDF.")


def test_dropping_every_page_is_refused():
    photos = [checked_photo(RED), checked_photo(GREEN)]
    with pytest.raises(UploadRejected) as caught:
        build_submission(photos, drop={0, 1})
    assert caught.value.code == "empty_submission"


@pytest.mark.parametrize("order", [[0, 0], [0], [0, 1, 2], [1, 2]])
def test_an_order_that_is_not_a_permutation_is_a_programming_error(order):
    with pytest.raises(ValueError, match="order"):
        build_submission([checked_photo(RED), checked_photo(GREEN)], order=order)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\erika\\Befund.pdf", "Befund.pdf"),
        ("Rechnung\u202egpj.exe", "Rechnunggpj.exe"),
        ("a\u200bb\x00c\x1b.jpg", "abc.jpg"),
        ('bad<>:"|?*.png', "bad_______.png"),
        ("  ..versteckt.pdf. ", "versteckt.pdf"),
        ("Zahnarzt  \t Rechnung.pdf", "Zahnarzt Rechnung.pdf"),
        ("", "Dokument"),
        ("../", "Dokument"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_uploaded_bytes_never_appear_in_reprs():
    incoming = IncomingFile("befund.pdf", b"%PDF-1.7 vertraulich")
    assert "vertraulich" not in repr(incoming)
    assert "PDF-" not in repr(check_file(IncomingFile("a.pdf", fpdf_document(1))))
