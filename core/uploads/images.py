"""Step 3 and 4 for images: decode with bounds, apply EXIF orientation, drop every metadata field.

The output is a fresh image built from pixels only, so EXIF (GPS!), ICC, XMP, comments and PNG
text chunks cannot survive, and nothing appended after the image data (a ZIP) does either.

Memory stays bounded: the size in the header is checked before any pixel is decoded, a JPEG
larger than needed is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling), and other
large images are reduced strip by strip, so at most the decoded image and the small copy exist.
"""

import math
import warnings
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image

from core.uploads.errors import UploadRejected
from core.uploads.model import Kind, UploadLimits

# Only decode the primary HEIF image: thumbnails, depth maps and auxiliary images are not needed.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# One Pillow plugin per kind; EPS (Ghostscript) and every other format are never tried.
_PILLOW_FORMATS: dict[str, str] = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
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

    JPEG and HEIC become JPEG; PNG stays PNG (screenshots keep sharp text and transparency).
    """
    keep_alpha = kind == "png"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                _refuse_too_many_pixels(image, limits)
                pixels = _decoded_pixels(image, keep_alpha=keep_alpha)
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

    if keep_alpha:
        return _encode(pixels, "PNG", "image/png", "png", compress_level=6)
    return _encode(pixels, "JPEG", "image/jpeg", "jpg", quality=JPEG_QUALITY)


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
    target = _target_mode(image, keep_alpha=keep_alpha)
    small = _reduced(image, factor, target)
    if orientation in _UPRIGHT:
        small = small.transpose(_UPRIGHT[orientation])
    return Image.frombytes(target, small.size, small.tobytes())  # a new image: no info, no EXIF


def _reduction(size: tuple[int, int]) -> int:
    """The whole factor that brings `size` down to MAX_OUTPUT_PIXELS (1: keep as it is)."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / MAX_OUTPUT_PIXELS)))


def _target_mode(image: Image.Image, *, keep_alpha: bool) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        return "RGBA" if keep_alpha else "RGB"
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


def _encode(
    image: Image.Image, format_: str, mime: str, extension: str, **options: int
) -> NormalisedImage:
    buffer = BytesIO()
    image.save(buffer, format=format_, **options)
    return NormalisedImage(buffer.getvalue(), mime, extension, image.width, image.height)
