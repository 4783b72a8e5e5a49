"""Step 3 for PDFs: parse strictly with tight limits, refuse active content, count pages.

A PDF that passes is kept byte for byte; nothing here rewrites it.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import (
    ASCII85Decode,
    ASCIIHexDecode,
    FlateDecode,
    LZWDecode,
    RunLengthDecode,
)
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    PdfObject,
    StreamObject,
)

from core.uploads.errors import UploadRejected
from core.uploads.model import UploadLimits

# Most severe first: a PDF with several findings is refused for the first one listed.
_SEVERITY = (
    "javascript",
    "launch_action",
    "embedded_file",
    "active_content",
    "additional_actions",
    "open_action",
)
_RISKY_ACTIONS = {
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/RichMediaExecute",
    "/Rendition",
    "/Movie",
    "/Sound",
}
_RISKY_ANNOTATIONS = {"/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"}

# Image codecs are not decoded here: pypdf passes DCT and JPX through unchanged, JBIG2 and CCITT
# need external decoders, and their output is bounded by the image's /Width and /Height.
_IMAGE_CODECS = {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"}
_DECODERS = {
    "/FlateDecode": FlateDecode.decode,
    "/Fl": FlateDecode.decode,
    "/LZWDecode": LZWDecode.decode,
    "/LZW": LZWDecode.decode,
    "/ASCIIHexDecode": lambda data, _parms: ASCIIHexDecode.decode(data),
    "/AHx": lambda data, _parms: ASCIIHexDecode.decode(data),
    "/ASCII85Decode": lambda data, _parms: ASCII85Decode.decode(data),
    "/A85": lambda data, _parms: ASCII85Decode.decode(data),
    "/RunLengthDecode": lambda data, _parms: RunLengthDecode.decode(data),
    "/RL": lambda data, _parms: RunLengthDecode.decode(data),
}

_OBJECT_HEADER = re.compile(rb"[\0\t\n\f\r ]*(\d+)[\0\t\n\f\r ]+(\d+)[\0\t\n\f\r ]+obj\b")

# Acrobat looks for the end marker in the last 1024 bytes; a file without it was cut off.
_EOF_WINDOW = 1024


def inspect_pdf(data: bytes, limits: UploadLimits) -> int:
    """Validate a PDF and return its page count, or raise UploadRejected."""
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise UploadRejected("broken_pdf", detail="no %%EOF at the end")
    try:
        with pypdf_limits(limits):
            reader = PdfReader(BytesIO(data), strict=True)
            if reader.is_encrypted:
                raise UploadRejected("encrypted_pdf")
            references = _object_references(reader)
            if len(references) > limits.max_pdf_objects:
                raise UploadRejected("pdf_too_complex", detail=f"{len(references)} objects")
            _refuse_repaired_cross_references(data, reader)
            page_count = len(reader.pages)
            if page_count > limits.max_pages:
                raise UploadRejected("too_many_pages", limit=limits.max_pages)
            if page_count == 0:
                raise UploadRejected("broken_pdf", detail="no pages")
            _refuse_giant_pages(reader, limits)
            _refuse_active_content(reader, references)
            _refuse_decompression_bombs(reader, references, limits)
    except UploadRejected:
        raise
    except LimitReachedError as error:
        raise UploadRejected("pdf_too_complex", detail=str(error)[:200]) from error
    except Exception as error:  # hostile input makes parsers fail in every way there is
        raise UploadRejected("broken_pdf", detail=type(error).__name__) from error
    return page_count


@contextmanager
def pypdf_limits(limits: UploadLimits) -> Iterator[None]:
    """pypdf's own limits, tightened; a context variable, so concurrent sessions don't mix."""
    per_stream = limits.max_pdf_stream_bytes
    with apply_configuration(
        maximum_declared_stream_length=limits.max_file_bytes,
        array_based_stream_maximum_output_length=per_stream,
        zlib_maximum_output_length=per_stream,
        lzw_maximum_output_length=per_stream,
        run_length_maximum_output_length=per_stream,
        brotli_maximum_output_length=per_stream,
        jbig2_maximum_output_length=per_stream,
        image_maximum_buffer_size=per_stream,
        stream_decoding_work_maximum_length=3 * per_stream,
        # pypdf repairs broken Flate data byte by byte in Python; keep that work small.
        zlib_maximum_recovery_input_length=1024 * 1024,
        jbig2dec_binary=None,
    ):
        yield


def _refuse_repaired_cross_references(data: bytes, reader: PdfReader) -> None:
    """Every xref offset must point at its object header.

    Even with strict=True pypdf quietly searches the file for an object whose offset is wrong
    ("ref repaired"); a file that needs such repair is broken or built to confuse, and viewers
    may read it differently from us. Only whitespace before the header is tolerated.
    """
    for generation, table in reader.xref.items():
        for number, offset in table.items():
            header = _OBJECT_HEADER.match(data, offset, offset + 64)
            if header is None or (int(header[1]), int(header[2])) != (number, generation):
                raise UploadRejected("broken_pdf", detail=f"xref offset of object {number} wrong")


def _refuse_giant_pages(reader: PdfReader, limits: UploadLimits) -> None:
    """No page edge beyond `max_page_points` (in user space units times /UserUnit).

    A 435-byte PDF with a 50,000-pt page made a preview allocate gigabytes; whatever renders a
    page (our previews, the clerk's viewer, a printer) sizes its bitmap by these boxes.
    """
    for page in reader.pages:
        unit = float(page.user_unit)
        for box in (page.mediabox, page.cropbox):
            width, height = abs(float(box.width)) * unit, abs(float(box.height)) * unit
            if not (width <= limits.max_page_points and height <= limits.max_page_points):
                raise UploadRejected(
                    "page_too_large",
                    detail=f"{width:.0f} x {height:.0f} pt",
                    limit=_metres(limits.max_page_points),
                )
            if width < 1 or height < 1:
                raise UploadRejected("broken_pdf", detail=f"page of {width} x {height} pt")


def _metres(points: float) -> str:
    """14400 -> '5,08 Meter' (a point is 1/72 inch)."""
    return f"{points / 72 * 0.0254:.2f} Meter".replace(".", ",")


def _object_references(reader: PdfReader) -> list[IndirectObject]:
    """Every object the cross-reference tables list, including those inside object streams."""
    numbers = {
        (number, generation) for generation, table in reader.xref.items() for number in table
    }
    numbers |= {(number, 0) for number in reader.xref_objStm}
    return [IndirectObject(number, generation, reader) for number, generation in sorted(numbers)]


def _refuse_active_content(reader: PdfReader, references: list[IndirectObject]) -> None:
    findings = _findings(reader.trailer)
    for reference in references:
        findings |= _findings(reader.get_object(reference))
    for code in _SEVERITY:
        if code in findings:
            raise UploadRejected(code)


def _findings(root: PdfObject | None) -> set[str]:
    """Active content in one object and the direct objects nested in it (iteratively)."""
    found: set[str] = set()
    pending: list[PdfObject | None] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, DictionaryObject):
            found |= _dictionary_findings(node)
            pending.extend(node.values())
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return found


def _dictionary_findings(entry: DictionaryObject) -> set[str]:
    found: set[str] = set()
    action = _name(entry, "/S")
    subtype = _name(entry, "/Subtype")
    if "/JS" in entry or "/JavaScript" in entry or action == "/JavaScript":
        found.add("javascript")
    if action == "/URI" and str(_resolve(entry.get("/URI"))).strip().lower().startswith("javas"):
        found.add("javascript")
    if action == "/Launch":
        found.add("launch_action")
    if (
        "/EmbeddedFiles" in entry
        or "/EF" in entry
        or _name(entry, "/Type") == "/EmbeddedFile"
        or subtype == "/FileAttachment"
    ):
        found.add("embedded_file")
    if action in _RISKY_ACTIONS or subtype in _RISKY_ANNOTATIONS or "/XFA" in entry:
        found.add("active_content")
    if "/AA" in entry:
        found.add("additional_actions")
    if "/OpenAction" in entry and not _is_plain_destination(_resolve(entry["/OpenAction"])):
        found.add("open_action")
    return found


def _is_plain_destination(value: PdfObject | None) -> bool:
    """Word and LibreOffice set /OpenAction to 'show page 1'; that is harmless."""
    if isinstance(value, ArrayObject):
        return True
    return isinstance(value, DictionaryObject) and _name(value, "/S") == "/GoTo"


def _refuse_decompression_bombs(
    reader: PdfReader, references: list[IndirectObject], limits: UploadLimits
) -> None:
    """Decode every stream with a byte limit: pypdf's extract_text() returns "" on a bomb."""
    total = 0
    for reference in references:
        stream = reader.get_object(reference)
        if not isinstance(stream, StreamObject):
            continue
        _refuse_giant_image(stream, limits)
        try:
            total += _decoded_length(stream, limits)
        except LimitReachedError as error:
            raise UploadRejected("pdf_bomb", detail=str(error)[:200]) from error
        if total > limits.max_pdf_decoded_bytes:
            raise UploadRejected("pdf_bomb", detail=f"{total} bytes decoded in all")


def _refuse_giant_image(stream: StreamObject, limits: UploadLimits) -> None:
    """An image's /Width and /Height say how large a bitmap every viewer allocates for it.

    JPEG and JPEG 2000 data is not decoded here, so a small DCT stream claiming 65,000 x 65,000
    pixels would only show up when a page is rendered.
    """
    if _name(stream, "/Subtype") != "/Image":
        return
    width, height = _resolve(stream.get("/Width")), _resolve(stream.get("/Height"))
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise UploadRejected("broken_pdf", detail=f"image of {width} x {height}")
    if width * height > limits.max_pixels:
        raise UploadRejected(
            "pdf_image_too_large", detail=f"{width}x{height}", limit=limits.max_pixels // 10**6
        )


def _decoded_length(stream: StreamObject, limits: UploadLimits) -> int:
    filters = _as_list(stream.get("/Filter"))
    parameters = _as_list(stream.get("/DecodeParms"))
    parameters += [None] * (len(filters) - len(parameters))
    while filters and filters[-1] in _IMAGE_CODECS:
        filters.pop()
    data: bytes = stream._data  # the raw, still encoded bytes; pypdf has no public accessor
    for name, parms in zip(filters, parameters, strict=False):
        decode = _DECODERS.get(str(name))
        if decode is None:
            raise UploadRejected("broken_pdf", detail=f"unsupported filter {name}")
        data = decode(data, parms if isinstance(parms, DictionaryObject) else DictionaryObject())
        if len(data) > limits.max_pdf_stream_bytes:
            raise UploadRejected("pdf_bomb", detail=f"stream decodes to {len(data)} bytes")
    return len(data)


def _resolve(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(entry: DictionaryObject, key: str) -> str | None:
    value = _resolve(entry.get(key))
    return str(value) if isinstance(value, str) else None


def _as_list(value: PdfObject | None) -> list[PdfObject | None]:
    value = _resolve(value)
    if value is None:
        return []
    if isinstance(value, ArrayObject):
        return [_resolve(item) for item in value]
    return [value]
