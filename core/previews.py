"""Page images for previews and the clerk viewer: PDF pages rendered with pdfium."""

import io

import pypdfium2 as pdfium

MAX_PREVIEW_PAGES = 30


def render_pdf_pages(
    pdf_bytes: bytes, *, scale: float = 0.6, first: int = 0, count: int = MAX_PREVIEW_PAGES
) -> list[bytes]:
    """PNG images of pages [first, first+count) of a PDF that already passed the upload checks."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        images = []
        for index in range(first, min(first + count, len(document))):
            page = document[index]
            bitmap = page.render(scale=scale)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG", optimize=False)
            images.append(buffer.getvalue())
            page.close()
        return images
    finally:
        document.close()


def pdf_page_count(pdf_bytes: bytes) -> int:
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        return len(document)
    finally:
        document.close()
