"""CSV cells a spreadsheet will not run: the one place every portal CSV export goes through.

A cell starting with = + - @ TAB or CR is read as a formula by Excel and LibreOffice
(OWASP "CSV Injection"); a leading apostrophe makes it text.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    """The cell as text, with an apostrophe before anything a spreadsheet would evaluate."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: list[list[object]], *, delimiter: str = ";") -> bytes:
    """UTF-8 with BOM (so Excel reads it), CRLF lines, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([[neutralised(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")
