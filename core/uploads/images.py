"""Step 3 and 4 for images: decode with bounds, apply EXIF orientation, drop every metadata field.

The output is a fresh image built from pixels only, so EXIF (GPS!), ICC, XMP, comments and PNG
text chunks cannot survive, and nothing appended after the image data (a ZIP) does either.
"""

import warnings
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image, ImageOps

from core.uploads.errors import UploadRejected
from core.uploads.model import Kind, UploadLimits

# Only decode the primary HEIF image: thumbnails, depth maps and auxiliary images are not needed.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# One Pillow plugin per kind; EPS (Ghostscript) and every other format are never tried.
_PILLOW_FORMATS: dict[str, str] = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
JPEG_QUALITY = 90


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
    try:
        # Warning filters are process-wide in Python 3.11; if concurrent uploads race here, the
        # worst outcome is that the bomb warning stays an error. Our own pixel check comes first.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise UploadRejected(
                        "too_many_pixels",
                        detail=f"{width}x{height}",
                        limit=limits.max_pixels // 10**6,
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _pixels_only(upright, keep_alpha=kind == "png")
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected(
            "too_many_pixels", detail=str(error)[:200], limit=limits.max_pixels // 10**6
        ) from error
    except Exception as error:  # truncated or malformed data fails in many ways inside decoders
        raise UploadRejected("broken_file", detail=type(error).__name__) from error

    if kind == "png":
        return _encode(pixels, "PNG", "image/png", "png", compress_level=6)
    return _encode(pixels, "JPEG", "image/jpeg", "jpg", quality=JPEG_QUALITY)


def _pixels_only(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """A new image holding nothing but the pixels, in L, RGB or (PNG only) RGBA."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if keep_alpha and has_alpha:
        target = "RGBA"
    elif image.mode in ("1", "L"):
        target = "L"
    else:
        target = "RGB"
    if has_alpha and target != "RGBA":
        flattened = Image.new("RGBA", image.size, (255, 255, 255, 255))
        flattened.alpha_composite(image.convert("RGBA"))
        image = flattened
    converted = image if image.mode == target else image.convert(target)
    return Image.frombytes(target, converted.size, converted.tobytes())


def _encode(
    image: Image.Image, format_: str, mime: str, extension: str, **options: int
) -> NormalisedImage:
    buffer = BytesIO()
    image.save(buffer, format=format_, **options)
    return NormalisedImage(buffer.getvalue(), mime, extension, image.width, image.height)
