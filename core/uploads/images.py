"""Step 3 and 4 for images: decode with bounds, apply EXIF orientation, drop every metadata field.

The output is a fresh image built from pixels only, so EXIF (GPS!), ICC, XMP, comments and PNG
text chunks cannot survive, and nothing appended after the image data (a ZIP) does either. An
upright JPEG is the exception: its segments are read and its metadata dropped without decoding
(core.uploads.jpeg), so a photo keeps its quality and costs no re-encoding.

JPEG, HEIC, WebP and AVIF photos become JPEG (WebP and AVIF with transparency: PNG); PNG, GIF
(its first frame) and BMP become PNG. A TIFF scan becomes a PDF with one page per TIFF page.

Memory stays bounded: the size in the header is checked before any pixel is decoded, a JPEG
larger than needed is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling), and other
large images are reduced strip by strip, so at most the decoded image and the small copy exist.
"""

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image

from core.uploads.errors import UploadRejected
from core.uploads.jpeg import BrokenJpeg, strip_jpeg
from core.uploads.layout import images_to_pdf
from core.uploads.model import Kind, UploadLimits

# Only decode the primary HEIF image: thumbnails, depth maps and auxiliary images are not needed.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# One Pillow plugin per kind; EPS (Ghostscript) and every other format are never tried.
_PILLOW_FORMATS: dict[str, str] = {
    "jpeg": "JPEG",
    "png": "PNG",
    "heic": "HEIF",
    "webp": "WEBP",
    "tiff": "TIFF",
    "gif": "GIF",
    "avif": "AVIF",  # Pillow's own plugin (libavif); pillow-heif 1.x decodes HEVC only
    "bmp": "BMP",
}
# Screenshots and graphics: PNG keeps their text sharp. Photos with transparency keep it too.
_LOSSLESS_KINDS = {"png", "gif", "bmp"}
_ALPHA_KINDS = _LOSSLESS_KINDS | {"webp", "avif"}
JPEG_QUALITY = 90
# Larger images are scaled down to this many pixels: a 12-megapixel phone photo keeps its
# size, and an A4 page scanned at 300 dpi has 8.7 megapixels.
MAX_OUTPUT_PIXELS = 12_000_000
_STRIP_ROWS = 256  # output rows reduced at a time
# EXIF orientation -> what turns the pixels upright (as PIL.ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class NormalisedImage:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def normalise_image(data: bytes, kind: Kind, limits: UploadLimits) -> NormalisedImage:
    """Decode within the pixel limit, rotate upright and re-encode without metadata.

    An upright JPEG is not decoded at all: only its metadata segments go (lossless).
    """
    if kind == "jpeg":
        plain = _plain_jpeg(data, limits)
        if plain is not None:
            return plain
    with _decoding(limits), Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
        _refuse_too_many_pixels(image, limits)
        pixels = _decoded_pixels(image, keep_alpha=kind in _ALPHA_KINDS)
    return _encoded(pixels, lossless=kind in _LOSSLESS_KINDS)


def normalise_scan(data: bytes, limits: UploadLimits) -> tuple[bytes, int]:
    """A TIFF, every page of it, as a PDF of A4 pages; returns (pdf, page count)."""
    pages: list[bytes] = []
    with _decoding(limits), Image.open(BytesIO(data), formats=["TIFF"]) as image:
        count = getattr(image, "n_frames", 1)
        if count > limits.max_pages:
            raise UploadRejected("too_many_pages", limit=limits.max_pages)
        for index in range(count):
            image.seek(index)
            _refuse_too_many_pixels(image, limits)
            pixels = _decoded_pixels(image, keep_alpha=False)
            pages.append(_encoded(pixels, lossless=pixels.mode in ("1", "L")).data)
    return images_to_pdf(pages), count


@contextmanager
def _decoding(limits: UploadLimits) -> Iterator[None]:
    """Decoder failures as German refusals; MemoryError is left to core.sandbox."""
    try:
        # Warning filters are process-wide; the worker runs one job at a time.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected(
            "too_many_pixels", detail=str(error)[:200], limit=limits.max_pixels // 10**6
        ) from error
    except MemoryError:
        raise  # the worker's address space limit: core.sandbox turns it into a refusal
    except Exception as error:  # truncated or malformed data fails in many ways inside decoders
        raise UploadRejected("broken_file", detail=type(error).__name__) from error


def _plain_jpeg(data: bytes, limits: UploadLimits) -> NormalisedImage | None:
    """The JPEG without metadata, or None where it must be decoded (turned, CMYK, unusual)."""
    try:
        stripped = strip_jpeg(data)
    except BrokenJpeg as error:
        raise UploadRejected("broken_file", detail=str(error)) from error
    if not stripped.plain:
        return None
    with _decoding(limits):
        with Image.open(BytesIO(data), formats=["JPEG"]) as original:
            _refuse_too_many_pixels(original, limits)
            if original.getexif().get(0x0112, 1) not in (0, 1) or original.mode not in ("L", "RGB"):
                return None
        with Image.open(BytesIO(stripped.data), formats=["JPEG"]) as bare:
            width, height = bare.size
            if bare.size != original.size or bare.info.get("exif") or bare.info.get("icc_profile"):
                raise UploadRejected("broken_file", detail="stripped JPEG differs")
    return NormalisedImage(stripped.data, "image/jpeg", "jpg", width, height)


def _refuse_too_many_pixels(image: Image.Image, limits: UploadLimits) -> None:
    """From the header alone: Image.open has not decoded a pixel yet."""
    width, height = image.size
    if width * height > limits.max_pixels:
        raise UploadRejected(
            "too_many_pixels", detail=f"{width}x{height}", limit=limits.max_pixels // 10**6
        )


def _decoded_pixels(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """The pixels, at most MAX_OUTPUT_PIXELS, upright, in L, RGB or RGBA, without metadata."""
    orientation = image.getexif().get(0x0112, 1)
    factor = _reduction(image.size)
    if factor > 1 and image.format == "JPEG":
        # libjpeg decodes at 1/2, 1/4 or 1/8 at once: a quarter or less of the memory and time.
        image.draft(None, (math.ceil(image.width / factor), math.ceil(image.height / factor)))
        factor = _reduction(image.size)
    image.load()
    target = _target_mode(image, keep_alpha=keep_alpha, reduced=factor > 1)
    small = _reduced(image, factor, target)
    if orientation in _UPRIGHT:
        small = small.transpose(_UPRIGHT[orientation])
    return Image.frombytes(target, small.size, small.tobytes())  # a new image: no info, no EXIF


def _reduction(size: tuple[int, int]) -> int:
    """The whole factor that brings `size` down to MAX_OUTPUT_PIXELS (1: keep as it is)."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / MAX_OUTPUT_PIXELS)))


def _target_mode(image: Image.Image, *, keep_alpha: bool, reduced: bool) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        return "RGBA" if keep_alpha else "RGB"
    if image.mode == "1" and not reduced:
        return "1"  # a fax-like scan: a bilevel PNG is a fraction of a greyscale one
    return "L" if image.mode in ("1", "L") else "RGB"


def _reduced(image: Image.Image, factor: int, target: str) -> Image.Image:
    """`image` in mode `target`, `factor` times smaller; converted strip by strip if smaller.

    Pillow's own reduce and convert copy the whole image first (RGBA even twice); strips keep
    the extra memory to the output and one strip.
    """
    if factor == 1:
        return _in_mode(image, target)
    width, height = image.size
    output = Image.new(target, (math.ceil(width / factor), math.ceil(height / factor)))
    step = factor * _STRIP_ROWS
    for top in range(0, height, step):
        strip = _in_mode(image.crop((0, top, width, min(top + step, height))), target)
        output.paste(strip.reduce(factor), (0, top // factor))
    return output


def _in_mode(image: Image.Image, target: str) -> Image.Image:
    """`image` converted to `target`; transparency is laid on white unless kept."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha and target != "RGBA":
        flattened = Image.new("RGBA", image.size, (255, 255, 255, 255))
        flattened.alpha_composite(image.convert("RGBA"))
        image = flattened
    return image if image.mode == target else image.convert(target)


def _encoded(image: Image.Image, *, lossless: bool) -> NormalisedImage:
    """PNG for graphics, bilevel scans and anything transparent; JPEG for photos."""
    buffer = BytesIO()
    if lossless or image.mode in ("RGBA", "1"):
        image.save(buffer, format="PNG", compress_level=6)
        mime, extension = "image/png", "png"
    else:
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
        mime, extension = "image/jpeg", "jpg"
    return NormalisedImage(buffer.getvalue(), mime, extension, image.width, image.height)
