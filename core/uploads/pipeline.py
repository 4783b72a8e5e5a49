"""check_file: one incoming file through sniff -> size -> parse -> normalise."""

from core.uploads.errors import UploadRejected, megabytes
from core.uploads.images import normalise_image
from core.uploads.model import PDF_MIME, CheckedFile, IncomingFile, UploadLimits
from core.uploads.names import name_with_extension
from core.uploads.pdf import inspect_pdf
from core.uploads.sniff import sniff_kind


def check_file(incoming: IncomingFile, *, limits: UploadLimits | None = None) -> CheckedFile:
    """Accept one upload or raise UploadRejected with a German reason.

    The type comes from the content alone: PNG bytes named 'scan.pdf' are a PNG ('scan.png').
    """
    limits = limits or UploadLimits()
    data = incoming.data
    if not data:
        raise UploadRejected("empty_file")
    kind = sniff_kind(data, limits.allowed_kinds)
    if len(data) > limits.max_file_bytes:
        raise UploadRejected(
            "too_large", detail=f"{len(data)} bytes", limit=megabytes(limits.max_file_bytes)
        )
    if kind == "pdf":
        page_count = inspect_pdf(data, limits)
        return CheckedFile(
            name=name_with_extension(incoming.name, "pdf"),
            kind=kind,
            mime=PDF_MIME,
            data=data,
            page_count=page_count,
        )
    image = normalise_image(data, kind, limits)
    return CheckedFile(
        name=name_with_extension(incoming.name, image.extension),
        kind=kind,
        mime=image.mime,
        data=image.data,
        width=image.width,
        height=image.height,
    )
