import csv
import io

import pytest

from core.csv_safe import csv_bytes, neutralised


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_evaluate_becomes_text(start):
    assert neutralised(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


def test_ordinary_cells_stay_as_they_are():
    assert [neutralised(v) for v in ("Erika", "12,50", "", None, 7)] == [
        "Erika",
        "12,50",
        "",
        "",
        "7",
    ]


def test_csv_bytes_writes_every_cell_neutralised_with_bom_and_semicolons():
    data = csv_bytes([["Betreff", "Wert"], ['=HYPERLINK("http://x";"klick")', "-3"]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Betreff", "Wert"], ['\'=HYPERLINK("http://x";"klick")', "'-3"]]
