"""What members really send is accepted: WebP, TIFF (every page), GIF (first frame), AVIF and
BMP become the same A4 PDF as a photo; PDFs that viewers open despite damage, padding or a
permissions-only encryption are repaired and stored re-written; upright JPEGs are embedded
without re-encoding."""

from io import BytesIO

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from core.uploads import IncomingFile, UploadRejected, build_submission, check_file
from tests.hostile_files import (
    PAGE_TEXT,
    animated_gif,
    encoded,
    encrypted_pdf,
    jpeg,
    multi_page_tiff,
    noisy_jpeg,
    pdf_encrypted_without_user_password,
    pdf_with_garbage_xref,
    pdf_with_trailing_padding,
)

GREEN = (20, 160, 20)


def submitted(name: str, data: bytes):
    """check_file and build_submission as the document page uses them, and the stored PDF
    opened by pypdf (strictly) and by pdfium (the previews)."""
    checked = check_file(IncomingFile(name, data))
    document = build_submission([checked])
    reader = PdfReader(BytesIO(document.pdf_bytes), strict=True)
    rendered = pdfium.PdfDocument(document.pdf_bytes)
    try:
        assert len(rendered) == len(reader.pages) == document.page_count
    finally:
        rendered.close()
    return checked, document, reader


def centre_colour(reader: PdfReader, page: int = 0) -> tuple[int, int, int]:
    image = reader.pages[page].images[0].image.convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def close_to(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


@pytest.mark.parametrize(
    ("name", "format_", "mime"),
    [
        ("foto.webp", "WEBP", "image/jpeg"),
        ("foto.avif", "AVIF", "image/jpeg"),
        ("scan.bmp", "BMP", "image/png"),
    ],
)
def test_a_webp_avif_or_bmp_image_becomes_one_a4_page(name, format_, mime):
    checked, document, reader = submitted(name, encoded(format_, color=GREEN))

    assert checked.kind == format_.lower() and checked.mime == mime
    assert document.page_count == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # landscape
    assert close_to(centre_colour(reader), GREEN)


def test_every_page_of_a_three_page_tiff_scan_becomes_a_page_in_order():
    checked, document, reader = submitted("scan.tif", multi_page_tiff(3))

    assert (checked.kind, checked.mime, checked.name) == ("tiff", "application/pdf", "scan.pdf")
    assert checked.page_count == document.page_count == 3
    greys = [centre_colour(reader, page)[0] for page in range(3)]
    assert greys == [40, 80, 120]  # page n is grey level 40 * n


def test_an_animated_gif_gives_its_first_frame():
    checked, document, reader = submitted("animation.gif", animated_gif())

    assert (checked.kind, checked.mime, document.page_count) == ("gif", "image/png", 1)
    assert close_to(centre_colour(reader), (220, 20, 20))  # the first frame is red


def xref_offsets_are_right(pdf: bytes) -> bool:
    """Each in-use entry of the (last) classic xref table points at its object's header."""
    table = pdf[pdf.rindex(b"\nxref\n") + 6 :].split(b"trailer")[0].split(b"\n")
    first = int(table[0].split()[0])
    entries = [line for line in table[1:] if line.strip()]
    return all(
        pdf[int(entry[:10]) :].startswith(b"%d 0 obj" % (first + index))
        for index, entry in enumerate(entries)
        if entry.strip().endswith(b"n")
    )


def test_a_pdf_with_broken_xref_offsets_is_repaired():
    original = pdf_with_garbage_xref()
    assert not xref_offsets_are_right(original)

    checked, document, reader = submitted("kaputt.pdf", original)

    assert document.page_count == 1
    assert xref_offsets_are_right(checked.data)
    assert reader.pages[0].get_contents().get_data() == PAGE_TEXT


def test_a_pdf_with_padding_after_its_end_is_accepted_without_the_padding():
    original = pdf_with_trailing_padding(bytes(4096))

    checked, document, reader = submitted("scan.pdf", original)

    assert document.page_count == 1
    assert checked.data.rstrip().endswith(b"%%EOF")
    assert bytes(16) not in checked.data
    assert reader.pages[0].get_contents().get_data() == PAGE_TEXT


def test_a_pdf_encrypted_only_to_restrict_printing_is_stored_without_encryption():
    original = pdf_encrypted_without_user_password()
    assert PdfReader(BytesIO(original)).is_encrypted

    checked, document, reader = submitted("bescheid.pdf", original)

    assert not reader.is_encrypted and b"/Encrypt" not in checked.data
    assert document.page_count == 1
    assert reader.pages[0].get_contents().get_data() == PAGE_TEXT
    assert PAGE_TEXT in checked.data  # the content stream is decrypted, not just re-wrapped


def test_a_pdf_that_needs_a_password_to_open_is_still_refused():
    with pytest.raises(UploadRejected) as refused:
        check_file(IncomingFile("geschuetzt.pdf", encrypted_pdf()))
    assert refused.value.code == "encrypted_pdf"


def test_a_truncated_pdf_is_refused_rather_than_repaired():
    with pytest.raises(UploadRejected) as refused:
        check_file(IncomingFile("teil.pdf", pdf_with_trailing_padding(b"")[:-40]))
    assert refused.value.code == "broken_pdf"


def test_an_upright_jpeg_is_embedded_without_re_encoding():
    photo = noisy_jpeg((320, 240))
    scan_data = photo[photo.index(b"\xff\xda") :]  # the compressed pixels, to the end marker

    checked, document, _ = submitted("foto.jpg", photo)

    assert scan_data in checked.data  # metadata gone, compressed data untouched
    assert checked.data in document.pdf_bytes  # the PDF's image stream is that JPEG


def test_a_jpeg_turned_by_exif_is_decoded_and_turned_upright():
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    checked = check_file(IncomingFile("quer.jpg", jpeg((40, 20), exif=exif.tobytes())))

    assert (checked.width, checked.height) == (20, 40)
    with Image.open(BytesIO(checked.data)) as image:
        assert image.size == (20, 40) and not image.getexif()
