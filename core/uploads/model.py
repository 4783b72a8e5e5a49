"""The typed values an upload passes through: what came in, what was accepted, the limits."""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from core.settings import get_settings

Kind = Literal["pdf", "jpeg", "png", "heic", "webp", "tiff", "gif", "avif", "bmp"]
ALL_KINDS: frozenset[str] = frozenset(
    {"pdf", "jpeg", "png", "heic", "webp", "tiff", "gif", "avif", "bmp"}
)
PDF_MIME = "application/pdf"
# For upload widgets: the browser's file dialog offers these (the content decides, not the name).
UPLOAD_EXTENSIONS: tuple[str, ...] = (
    "pdf",
    "jpg",
    "jpeg",
    "png",
    "heic",
    "heif",
    "webp",
    "tif",
    "tiff",
    "gif",
    "avif",
    "bmp",
)
FORMATS_TEXT = "PDF, JPEG, PNG, HEIC, WebP, TIFF, GIF, AVIF oder BMP"

MEGABYTE = 1024 * 1024


def _max_file_bytes() -> int:
    return get_settings().max_file_bytes


def _max_submission_bytes() -> int:
    return get_settings().max_submission_bytes


@dataclass(frozen=True)
class UploadLimits:
    """Every bound the pipeline enforces; defaults for sizes come from core.settings."""

    max_file_bytes: int = field(default_factory=_max_file_bytes)
    max_submission_bytes: int = field(default_factory=_max_submission_bytes)
    max_pages: int = 200
    max_pixels: int = 50_000_000
    # Longest page edge in points (MediaBox or CropBox times UserUnit). 14,400 pt (200 in, 5.08 m)
    # is the largest page the PDF specification (ISO 32000-1, Annex C) lets a writer make without
    # UserUnit; A0 is 3,370 pt, so real posters and plans pass, a 50,000-pt trap page does not.
    max_page_points: float = 14_400.0
    max_pdf_objects: int = 50_000
    # Decoded size of one PDF stream (a 300 dpi A4 colour scan is about 26 MB uncompressed).
    max_pdf_stream_bytes: int = 64 * MEGABYTE
    # Decoded size of all streams of one PDF together.
    max_pdf_decoded_bytes: int = 256 * MEGABYTE
    allowed_kinds: frozenset[str] = ALL_KINDS

    def __post_init__(self) -> None:
        numbers = {
            "max_file_bytes": self.max_file_bytes,
            "max_submission_bytes": self.max_submission_bytes,
            "max_pages": self.max_pages,
            "max_pixels": self.max_pixels,
            "max_page_points": self.max_page_points,
            "max_pdf_objects": self.max_pdf_objects,
            "max_pdf_stream_bytes": self.max_pdf_stream_bytes,
            "max_pdf_decoded_bytes": self.max_pdf_decoded_bytes,
        }
        for name, value in numbers.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if not self.allowed_kinds or not self.allowed_kinds <= ALL_KINDS:
            raise ValueError(f"allowed_kinds must be a non-empty subset of {sorted(ALL_KINDS)}")

    def as_json(self) -> dict[str, Any]:
        """For the worker process (core.sandbox): plain JSON values only."""
        values = asdict(self)
        values["allowed_kinds"] = sorted(self.allowed_kinds)
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> "UploadLimits":
        return cls(**{**values, "allowed_kinds": frozenset(values["allowed_kinds"])})


@dataclass(frozen=True)
class IncomingFile:
    """An upload as it arrived. `name` and `declared_type` come from the client: never trusted."""

    name: str
    data: bytes = field(repr=False)
    declared_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: PDFs re-written by qpdf, images without metadata, TIFF scans as PDF."""

    name: str  # sanitised, extension matches `mime`
    kind: Kind  # what the content was: pdf, jpeg, png, heic, webp, tiff, gif, avif or bmp
    mime: str  # of `data`: application/pdf, image/jpeg or image/png
    data: bytes = field(repr=False)
    page_count: int = 1
    width: int | None = None  # images only, after EXIF orientation
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_image(self) -> bool:
        return self.mime != PDF_MIME


@dataclass(frozen=True)
class SubmissionDocument:
    """One PDF made of a member's files, in their order, ready to encrypt and store."""

    pdf_bytes: bytes = field(repr=False)
    page_count: int

    @property
    def size(self) -> int:
        return len(self.pdf_bytes)
