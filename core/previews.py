"""Page images for previews and the clerk viewer: PDF pages rendered with pdfium.

Rendering runs in a worker process with a memory and a time limit (core.sandbox): a 435-byte
PDF with a 50,000-pt page once rendered for 17 s into a MemoryError inside the portal process,
holding the lock below and so stalling every session. A page is also never rendered larger
than MAX_PREVIEW_PIXELS: the scale is lowered for it instead.

PDFium is not thread-safe: two sessions previewing at once crashed the whole portal process (a
general protection fault in libpdfium, found by bench/load.py). Each worker renders one job
at a time; `_PDFIUM` still guards every use, and everything opened is closed before letting go,
so no finalizer touches pdfium later from another thread.
"""

import io
import math
import threading
from typing import Any

from core import sandbox

MAX_PREVIEW_PAGES = 30
# A3 at the clerk viewer's 200 % is 1684 x 2382 px (4.0 megapixels) and renders in full; a
# larger page is rendered at the scale that fits (a 50,000-pt page at 0.6 would be 900 MP).
MAX_PREVIEW_PIXELS = 5_000_000
_PDFIUM = threading.Lock()


def render_pdf_pages(
    pdf_bytes: bytes, *, scale: float = 0.6, first: int = 0, count: int = MAX_PREVIEW_PAGES
) -> list[bytes]:
    """PNG images of pages [first, first+count) of a PDF that already passed the upload checks.

    UploadRejected ("Die Datei konnte nicht verarbeitet werden …") if the worker gave up on it.
    """
    reply = sandbox.call(
        "preview.render", {"scale": scale, "first": first, "count": count}, [pdf_bytes]
    )
    return reply.blobs


def pdf_page_count(pdf_bytes: bytes) -> int:
    return int(sandbox.call("preview.page_count", {}, [pdf_bytes]).result["pages"])


def preview_scale(width: float, height: float, scale: float) -> float:
    """`scale`, or less where a page of width x height points would exceed MAX_PREVIEW_PIXELS."""
    width, height = max(width, 1.0), max(height, 1.0)
    fitted = min(scale, math.sqrt(MAX_PREVIEW_PIXELS / (width * height)))
    while math.ceil(width * fitted) * math.ceil(height * fitted) > MAX_PREVIEW_PIXELS:
        fitted *= 0.99  # pdfium rounds each edge up to whole pixels
    return fitted


def _render(pdf_bytes: bytes, *, scale: float, first: int, count: int) -> list[bytes]:
    import pypdfium2 as pdfium  # loaded in the worker (core.sandbox preloads this module)

    encoded = []
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_bytes)
        try:
            for index in range(max(first, 0), min(first + count, len(document))):
                page = document[index]
                try:
                    bitmap = page.render(scale=preview_scale(*page.get_size(), scale))
                    try:
                        picture = bitmap.to_pil()
                        buffer = io.BytesIO()
                        picture.save(buffer, format="PNG", optimize=False)
                        encoded.append(buffer.getvalue())
                    finally:
                        bitmap.close()
                finally:
                    page.close()
        finally:
            document.close()
    return encoded


def _page_count(pdf_bytes: bytes) -> int:
    import pypdfium2 as pdfium

    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_bytes)
        try:
            return len(document)
        finally:
            document.close()


def render_operation(args: dict[str, Any], blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    """core.sandbox's entry point for "preview.render"."""
    pages = _render(
        blobs[0], scale=float(args["scale"]), first=int(args["first"]), count=int(args["count"])
    )
    return {}, pages


def page_count_operation(args: dict[str, Any], blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    """core.sandbox's entry point for "preview.page_count"."""
    return {"pages": _page_count(blobs[0])}, []
