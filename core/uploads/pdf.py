"""Step 3 and 4 for PDFs: repair and re-write with qpdf, then inspect the re-written file with
tight limits, refuse active content, count pages.

What is stored is the re-written file, never the upload: qpdf rebuilds a broken cross-reference
table, removes encryption that needs no password (permissions only), flattens incremental
updates and writes only the objects the document refers to, so data hidden in unreferenced
objects or after %%EOF (a ZIP) is gone. Stream data is copied as it is, never decoded, so a
compression bomb reaches the checks below still compressed. The checks read the re-written
file through qpdf too: one parser decides what the document is, and what it decided is what
is stored and what every viewer reads. Streams are decoded by pypdf's filters under byte limits.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

import pikepdf
from pypdf import apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import (
    ASCII85Decode,
    ASCIIHexDecode,
    FlateDecode,
    LZWDecode,
    RunLengthDecode,
)
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, NumberObject

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


def normalise_pdf(data: bytes, limits: UploadLimits) -> tuple[bytes, int]:
    """The re-written PDF and its page count, or UploadRejected."""
    # A file cut off in transfer has no end marker; qpdf would rebuild what is left of it and
    # the member would not notice the missing pages. Bytes after %%EOF are fine (padding).
    if data.rfind(b"%%EOF") < 0:  # from the end: found at once in a whole file
        raise UploadRejected("broken_pdf", detail="no %%EOF: cut off")
    rewritten = rewrite_pdf(data)
    return rewritten, inspect_pdf(rewritten, limits)


def rewrite_pdf(data: bytes) -> bytes:
    """Repaired, without encryption, only referenced objects, streams copied undecoded.

    pikepdf.open tries the empty user password only: a file that needs a password to open
    is refused; one encrypted just to restrict printing or copying opens and is decrypted.
    """
    try:
        with pikepdf.open(BytesIO(data)) as document, warnings.catch_warnings():
            # A widget outside /AcroForm: the checks below refuse its actions if it has any.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            buffer = BytesIO()
            document.save(
                buffer,
                encryption=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                object_stream_mode=pikepdf.ObjectStreamMode.disable,  # plain objects to check
                compress_streams=False,
                fix_metadata_version=False,
            )
    except pikepdf.PasswordError as error:
        raise UploadRejected("encrypted_pdf") from error
    except MemoryError:
        raise  # the worker's address space limit: core.sandbox turns it into a refusal
    except Exception as error:  # qpdf gave up on repairing it
        raise UploadRejected("broken_pdf", detail=f"qpdf: {type(error).__name__}") from error
    return buffer.getvalue()


def inspect_pdf(data: bytes, limits: UploadLimits) -> int:
    """Validate a PDF as qpdf reads it and return its page count, or raise UploadRejected.

    Run on the re-written file: every object it holds is one the document refers to.
    """
    try:
        with pypdf_limits(limits), pikepdf.open(BytesIO(data)) as document:
            if document.is_encrypted:
                raise UploadRejected("encrypted_pdf")
            objects = list(document.objects)
            if len(objects) > limits.max_pdf_objects:
                raise UploadRejected("pdf_too_complex", detail=f"{len(objects)} objects")
            page_count = len(document.pages)
            if page_count > limits.max_pages:
                raise UploadRejected("too_many_pages", limit=limits.max_pages)
            if page_count == 0:
                raise UploadRejected("broken_pdf", detail="no pages")
            _refuse_giant_pages(document, limits)
            _refuse_active_content(document.trailer, objects)
            _refuse_decompression_bombs(objects, limits)
    except UploadRejected:
        raise
    except LimitReachedError as error:
        raise UploadRejected("pdf_bomb", detail=str(error)[:200]) from error
    except MemoryError:
        raise
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


def _refuse_giant_pages(document: pikepdf.Pdf, limits: UploadLimits) -> None:
    """No page edge beyond `max_page_points` (in user space units times /UserUnit).

    A 435-byte PDF with a 50,000-pt page made a preview allocate gigabytes; whatever renders a
    page (our previews, the clerk's viewer, a printer) sizes its bitmap by these boxes.
    qpdf copies inherited boxes down to every page when it opens a file.
    """
    for page in document.pages:
        unit = float(page.obj.get("/UserUnit", 1))
        for key in ("/MediaBox", "/CropBox"):
            box = page.obj.get(key)
            if box is None:
                if key == "/MediaBox":
                    raise UploadRejected("broken_pdf", detail="page without /MediaBox")
                continue
            left, bottom, right, top = (float(value) for value in box)
            width, height = abs(right - left) * unit, abs(top - bottom) * unit
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


def _refuse_active_content(trailer: pikepdf.Object, objects: list[pikepdf.Object]) -> None:
    findings = _findings(trailer)
    for entry in objects:
        findings |= _findings(entry)
    for code in _SEVERITY:
        if code in findings:
            raise UploadRejected(code)


def _findings(root: pikepdf.Object) -> set[str]:
    """Active content in one object and the direct objects nested in it (iteratively); indirect
    ones are visited on their own."""
    found: set[str] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, pikepdf.Dictionary | pikepdf.Stream):
            found |= _dictionary_findings(node)
            pending.extend(_direct(value) for value in node.values())
        elif isinstance(node, pikepdf.Array):
            pending.extend(_direct(value) for value in node)
    return found


def _direct(value: object) -> object:
    return None if getattr(value, "is_indirect", False) else value


def _dictionary_findings(entry: pikepdf.Object) -> set[str]:
    found: set[str] = set()
    action = _name(entry, "/S")
    subtype = _name(entry, "/Subtype")
    if "/JS" in entry or "/JavaScript" in entry or action == "/JavaScript":
        found.add("javascript")
    if action == "/URI" and str(entry.get("/URI", "")).strip().lower().startswith("javas"):
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
    if "/OpenAction" in entry and not _is_plain_destination(entry.get("/OpenAction")):
        found.add("open_action")
    return found


def _is_plain_destination(value: object) -> bool:
    """Word and LibreOffice set /OpenAction to 'show page 1'; that is harmless."""
    if isinstance(value, pikepdf.Array):
        return True
    return isinstance(value, pikepdf.Dictionary) and _name(value, "/S") == "/GoTo"


def _refuse_decompression_bombs(objects: list[pikepdf.Object], limits: UploadLimits) -> None:
    """Decode every stream with a byte limit (pypdf's decoders under pypdf_limits): a viewer
    inflating a few hundred KB into gigabytes is stopped here, not in its memory."""
    total = 0
    for stream in objects:
        if not isinstance(stream, pikepdf.Stream):
            continue
        _refuse_giant_image(stream, limits)
        total += _decoded_length(stream, limits)
        if total > limits.max_pdf_decoded_bytes:
            raise UploadRejected("pdf_bomb", detail=f"{total} bytes decoded in all")


def _refuse_giant_image(stream: pikepdf.Object, limits: UploadLimits) -> None:
    """An image's /Width and /Height say how large a bitmap every viewer allocates for it.

    JPEG and JPEG 2000 data is not decoded here, so a small DCT stream claiming 65,000 x 65,000
    pixels would only show up when a page is rendered.
    """
    if _name(stream, "/Subtype") != "/Image":
        return
    width, height = stream.get("/Width"), stream.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise UploadRejected("broken_pdf", detail=f"image of {width} x {height}")
    if width * height > limits.max_pixels:
        raise UploadRejected(
            "pdf_image_too_large", detail=f"{width}x{height}", limit=limits.max_pixels // 10**6
        )


def _decoded_length(stream: pikepdf.Object, limits: UploadLimits) -> int:
    filters = [str(name) for name in _as_list(stream.get("/Filter"))]
    parameters = _as_list(stream.get("/DecodeParms"))
    parameters += [None] * (len(filters) - len(parameters))
    while filters and filters[-1] in _IMAGE_CODECS:
        filters.pop()
    if not filters:
        return int(stream.get("/Length", 0))  # stored as it is, or an image codec's data
    data = stream.read_raw_bytes()
    for name, parms in zip(filters, parameters, strict=False):
        decode = _DECODERS.get(name)
        if decode is None:
            raise UploadRejected("broken_pdf", detail=f"unsupported filter {name}")
        try:
            data = decode(data, _pypdf_parameters(parms))
        except LimitReachedError as error:
            raise UploadRejected("pdf_bomb", detail=str(error)[:200]) from error
        if len(data) > limits.max_pdf_stream_bytes:
            raise UploadRejected("pdf_bomb", detail=f"stream decodes to {len(data)} bytes")
    return len(data)


def _pypdf_parameters(parms: object) -> DictionaryObject:
    """A /DecodeParms dictionary of numbers as pypdf's decoders take it (predictors)."""
    converted = DictionaryObject()
    if isinstance(parms, pikepdf.Dictionary):
        for key, value in parms.items():
            if isinstance(value, bool):
                converted[NameObject(key)] = BooleanObject(value)
            elif isinstance(value, int):
                converted[NameObject(key)] = NumberObject(value)
    return converted


def _name(entry: pikepdf.Object, key: str) -> str | None:
    value = entry.get(key)
    return str(value) if isinstance(value, pikepdf.Name) else None


def _as_list(value: object) -> list:
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]
