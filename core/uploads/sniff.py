"""Step 1: what a file really is, from its first bytes. Name and declared MIME type are ignored."""

from core.uploads.errors import UploadRejected, allowed_formats_sentence
from core.uploads.model import Kind

# ISO base media file format brands (the 'ftyp' box) of HEIF images encoded with HEVC.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1"}
_AVIF_BRANDS = {b"avif", b"avis"}
# "BM" alone starts too many texts ("BMW ..."); the DIB header that follows has one of these sizes.
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}

# Recognised but refused; the label only goes to logs as `detail`.
_REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"II+\x00", "bigtiff"),
    (b"MM\x00+", "bigtiff"),
    (b"%!PS", "postscript"),
    (b"\xc5\xd0\xd3\xc6", "eps"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"#!", "script"),
    (b"\xd0\xcf\x11\xe0", "ms-office"),
    (b"{\\rtf", "rtf"),
)


def sniff_kind(data: bytes, allowed: frozenset[str]) -> Kind:
    """The kind of an upload by magic bytes; anything else is refused as `unsupported_type`.

    A PDF must start with '%PDF-' at byte 0: junk before the header (a polyglot trick that
    lenient readers accept) is refused rather than guessed at.
    """
    kind, label = _identify(data)
    if kind is None or kind not in allowed:
        raise UploadRejected(
            "unsupported_type", detail=label, allowed=allowed_formats_sentence(allowed)
        )
    return kind


def _identify(data: bytes) -> tuple[Kind | None, str]:
    if data.startswith(b"%PDF-"):
        return "pdf", "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg", "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", "png"
    if data[4:8] == b"ftyp":
        return _identify_iso_media(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", "webp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff", "tiff"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif", "gif"
    if data.startswith(b"BM") and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES:
        return "bmp", "bmp"
    for signature, label in _REFUSED_SIGNATURES:
        if data.startswith(signature):
            return None, label
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        return None, "svg" if b"<svg" in head else "markup"
    return None, "unknown"


def _identify_iso_media(data: bytes) -> tuple[Kind | None, str]:
    box_size = int.from_bytes(data[:4], "big")
    box_end = min(box_size, 256, len(data)) if box_size >= 16 else 16
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
    if brands & _AVIF_BRANDS:
        return "avif", "avif"
    if brands & _HEIC_BRANDS:
        return "heic", "heic"
    return None, "iso-media"
