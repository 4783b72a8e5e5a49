"""check_file: one incoming file through sniff -> size -> parse -> normalise.

Sniffing and the size check are cheap and run here; parsing and normalising run in a worker
process with a memory and a time limit (core.sandbox), so one hostile file cannot stall or
end the portal process.
"""

from dataclasses import asdict, dataclass
from typing import Any

from core import sandbox
from core.uploads.errors import UploadRejected, megabytes
from core.uploads.images import normalise_image, normalise_scan
from core.uploads.model import PDF_MIME, CheckedFile, IncomingFile, Kind, UploadLimits
from core.uploads.names import name_with_extension
from core.uploads.pdf import normalise_pdf
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
    reply = sandbox.call("upload.normalise", {"kind": kind, "limits": limits.as_json()}, [data])
    normalised = Normalised(**reply.result)
    return CheckedFile(
        name=name_with_extension(incoming.name, normalised.extension),
        kind=kind,
        mime=normalised.mime,
        data=reply.blobs[0],
        page_count=normalised.page_count,
        width=normalised.width,
        height=normalised.height,
    )


@dataclass(frozen=True)
class Normalised:
    """What the worker says about the file it sends back (the bytes travel beside it)."""

    mime: str
    extension: str
    page_count: int = 1
    width: int | None = None
    height: int | None = None


def normalise(data: bytes, kind: Kind, limits: UploadLimits) -> tuple[Normalised, bytes]:
    """Parse with tight limits and normalise: runs inside the worker process."""
    if kind == "pdf":
        rewritten, page_count = normalise_pdf(data, limits)
        return Normalised(mime=PDF_MIME, extension="pdf", page_count=page_count), rewritten
    if kind == "tiff":
        scan, page_count = normalise_scan(data, limits)
        return Normalised(mime=PDF_MIME, extension="pdf", page_count=page_count), scan
    image = normalise_image(data, kind, limits)
    described = Normalised(
        mime=image.mime, extension=image.extension, width=image.width, height=image.height
    )
    return described, image.data


def normalise_operation(args: dict[str, Any], blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    """core.sandbox's entry point for "upload.normalise"."""
    described, data = normalise(blobs[0], args["kind"], UploadLimits.from_json(args["limits"]))
    return asdict(described), [data]
