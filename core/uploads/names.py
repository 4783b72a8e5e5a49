"""Filenames people typed are for display only; we never write to disk by a member's name."""

import re
import unicodedata

MAX_NAME_LENGTH = 120
FALLBACK_NAME = "Dokument"

# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_RESERVED = re.compile(r'[<>:"|?*]')
_WHITESPACE = re.compile(r"\s+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def safe_filename(name: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """A name safe to show and to offer for download: no path, no invisible or reserved characters.

    "../../etc/passwd.pdf" -> "passwd.pdf"; "Rechnung\\u202egpj.exe" -> "Rechnunggpj.exe".
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    text = _RESERVED.sub("_", text)
    text = _WHITESPACE.sub(" ", text).strip(" .")
    if not text:
        return FALLBACK_NAME
    if len(text) > max_length:
        match = _EXTENSION.search(text)
        extension = match.group(0) if match else ""
        text = text[: max_length - len(extension)].rstrip(" .") + extension
    return text


def name_with_extension(name: str, extension: str) -> str:
    """The sanitised name with the extension that matches the content ("scan.pdf" -> "scan.png")."""
    stem = _EXTENSION.sub("", safe_filename(name)).rstrip(" .") or FALLBACK_NAME
    return safe_filename(f"{stem[: MAX_NAME_LENGTH - len(extension) - 1]}.{extension}")
