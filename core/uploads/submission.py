"""build_submission: checked files become one PDF, in the chosen order, minus dropped pages."""

from io import BytesIO

from pypdf import PdfReader, PdfWriter

from core.uploads.errors import UploadRejected, megabytes
from core.uploads.layout import images_to_pdf
from core.uploads.model import CheckedFile, SubmissionDocument, UploadLimits
from core.uploads.pdf import pypdf_limits


def build_submission(
    files: list[CheckedFile],
    *,
    order: list[int] | None = None,
    drop: set[int] | None = None,
    limits: UploadLimits | None = None,
) -> SubmissionDocument:
    """One PDF from `files`: indices in `order` (default: as given), without those in `drop`.

    Indices refer to `files`; an image is one page, a PDF is kept whole. A single PDF is returned
    as check_file wrote it; images become A4 pages (JPEGs embedded as they are); PDFs and images
    together are merged.
    """
    limits = limits or UploadLimits()
    chosen = _select(files, order=order, drop=drop or set())
    if not chosen:
        raise UploadRejected("empty_submission")
    _check_total(sum(file.size for file in chosen), limits)
    page_count = sum(file.page_count for file in chosen)
    if page_count > limits.max_pages:
        raise UploadRejected("too_many_pages", limit=limits.max_pages)

    parts = _parts(chosen)
    pdf_bytes = parts[0] if len(parts) == 1 else _merge(parts, limits)
    _check_total(len(pdf_bytes), limits)
    return SubmissionDocument(pdf_bytes=pdf_bytes, page_count=page_count)


def _select(
    files: list[CheckedFile], *, order: list[int] | None, drop: set[int]
) -> list[CheckedFile]:
    indices = list(range(len(files)))
    sequence = indices if order is None else list(order)
    if sorted(sequence) != indices:
        raise ValueError(f"order must name every index of files once, got {sequence}")
    if not drop <= set(indices):
        raise ValueError(f"drop names indices that do not exist: {sorted(drop - set(indices))}")
    return [files[index] for index in sequence if index not in drop]


def _check_total(size: int, limits: UploadLimits) -> None:
    if size > limits.max_submission_bytes:
        raise UploadRejected(
            "submission_too_large",
            detail=f"{size} bytes",
            limit=megabytes(limits.max_submission_bytes),
        )


def _parts(files: list[CheckedFile]) -> list[bytes]:
    """PDFs as they are; each run of consecutive images as one PDF of A4 pages."""
    parts: list[bytes] = []
    images: list[CheckedFile] = []
    for file in files:
        if file.is_image:
            images.append(file)
            continue
        if images:
            parts.append(images_to_pdf([image.data for image in images]))
            images = []
        parts.append(file.data)
    if images:
        parts.append(images_to_pdf([image.data for image in images]))
    return parts


def _merge(parts: list[bytes], limits: UploadLimits) -> bytes:
    writer = PdfWriter()
    with pypdf_limits(limits):
        for part in parts:
            writer.append(PdfReader(BytesIO(part)))
        buffer = BytesIO()
        writer.write(buffer)
    return buffer.getvalue()
