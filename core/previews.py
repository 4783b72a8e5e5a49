"""Page images for previews and the clerk viewer: PDF pages rendered with pdfium.

PDFium is not thread-safe, and every Streamlit session runs its script in a thread of the
same process: two members previewing a PDF at the same moment crashed the whole portal
process (a general protection fault in libpdfium, every session lost; found by
bench/load.py). Every use of pdfium therefore holds `_PDFIUM`, and closes what it opened
before letting go, so that no finalizer touches pdfium later from another thread.
"""

import io
import threading

import pypdfium2 as pdfium

MAX_PREVIEW_PAGES = 30
_PDFIUM = threading.Lock()


def render_pdf_pages(
    pdf_bytes: bytes, *, scale: float = 0.6, first: int = 0, count: int = MAX_PREVIEW_PAGES
) -> list[bytes]:
    """PNG images of pages [first, first+count) of a PDF that already passed the upload checks."""
    images = []
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_bytes)
        try:
            for index in range(first, min(first + count, len(document))):
                page = document[index]
                bitmap = page.render(scale=scale)
                picture = bitmap.to_pil().copy()  # own pixels: the bitmap is closed next
                bitmap.close()
                page.close()
                images.append(picture)
        finally:
            document.close()
    encoded = []
    for picture in images:  # PNG encoding needs no pdfium: outside the lock
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", optimize=False)
        encoded.append(buffer.getvalue())
    return encoded


def pdf_page_count(pdf_bytes: bytes) -> int:
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_bytes)
        try:
            return len(document)
        finally:
            document.close()
