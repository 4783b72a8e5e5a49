"""Images on A4 pages: the one layout of every photo, scan and screenshot the portal stores.

img2pdf embeds a JPEG as it is (its DCT data becomes the PDF image stream, no re-encoding)
and a PNG's compressed rows where it can; each image gets an A4 page of its own, landscape for
landscape images, scaled to fit inside a 14-pt margin and centred.
"""

import logging
from collections.abc import Sequence

import img2pdf

A4_POINTS = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
PAGE_MARGIN = 14.0  # points, about 5 mm
PRODUCER = "HEK Service-Portal"

# img2pdf logs a warning for every image with an alpha channel (it adds a soft mask): expected.
logging.getLogger("img2pdf").setLevel(logging.ERROR)

_LAYOUT = img2pdf.get_layout_fun(
    pagesize=A4_POINTS,
    imgsize=None,
    border=(PAGE_MARGIN, PAGE_MARGIN),
    fit=img2pdf.FitMode.into,
    auto_orient=True,  # a landscape image gets a landscape page
)


def images_to_pdf(images: Sequence[bytes]) -> bytes:
    """One A4 page per image (JPEG or PNG without metadata, already upright)."""
    return img2pdf.convert(
        list(images),
        layout_fun=_LAYOUT,
        engine=img2pdf.Engine.internal,
        rotation=img2pdf.Rotation.none,  # the pixels are upright; no EXIF is left to read
        nodate=True,
        producer=PRODUCER,
        creator=PRODUCER,
    )
