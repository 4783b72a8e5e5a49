"""A JPEG without its metadata, its compressed image data untouched (no re-encoding).

Kept: the tables, the frame header, the scans and Adobe's colour-transform flag (APP14), all a
decoder needs. Dropped: every other APPn segment (EXIF with GPS, XMP, ICC, maker notes, JFIF
thumbnails), comments, and whatever follows the end-of-image marker (a ZIP appended to a
photo). Reading the structure also finds a file that was cut off: its scan data has no end.
"""

import re
from dataclasses import dataclass

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
# Huffman-coded baseline, extended and progressive frames: what PDF readers and browsers show.
_PLAIN_FRAMES = {0xC0, 0xC1, 0xC2}
_KEPT = {0xC4, 0xDB, 0xDD, 0xEE}  # DHT, DQT, DRI, APP14 (Adobe)
_DROPPED = set(range(0xE0, 0xF0)) - {0xEE} | {0xFE}  # APP0-APP15 but APP14, COM
# Inside scan data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker D0-D7; fill
# bytes (more 0xFF) before the next marker are skipped by the segment loop.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


class BrokenJpeg(ValueError):
    """The file ends inside a segment or its scan data, or has a segment where none may be."""


@dataclass(frozen=True)
class StrippedJpeg:
    data: bytes
    plain: bool  # one Huffman-coded frame and nothing unknown: safe to embed as it is


def strip_jpeg(data: bytes) -> StrippedJpeg:
    """The JPEG with only the segments a decoder needs; BrokenJpeg if its structure is broken."""
    if data[:2] != b"\xff\xd8":
        raise BrokenJpeg("no start-of-image marker")
    kept = [b"\xff\xd8"]
    frames: list[int] = []
    unknown = False
    scans = 0
    position = 2
    while True:
        while data[position : position + 2] == b"\xff\xff":  # fill bytes before a marker
            position += 1
        if position + 2 > len(data) or data[position] != 0xFF:
            raise BrokenJpeg(f"no marker at {position}")
        marker = data[position + 1]
        if marker == _EOI:
            if not frames or not scans:
                raise BrokenJpeg("no frame or no scan")
            kept.append(b"\xff\xd9")
            return StrippedJpeg(b"".join(kept), plain=len(frames) == 1 and not unknown)
        if marker == _SOI or 0xD0 <= marker <= 0xD7 or marker in (0x00, 0x01):
            raise BrokenJpeg(f"marker {marker:#x} outside scan data")
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if end > len(data) or end < position + 4:
            raise BrokenJpeg(f"segment {marker:#x} runs past the end")
        if marker == _SOS:
            scans += 1
            follows = _NEXT_MARKER.search(data, end)
            if follows is None:
                raise BrokenJpeg("scan data without an end")
            kept.append(data[position : follows.start()])
            position = follows.start()
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            frames.append(marker)
            unknown |= marker not in _PLAIN_FRAMES
            kept.append(data[position:end])
        elif marker in _KEPT:
            kept.append(data[position:end])
        elif marker not in _DROPPED:
            unknown = True  # DNL, hierarchical or arithmetic-coding segments: decode instead
            kept.append(data[position:end])
        position = end
