"""Downloads of the insurance history: CSV for spreadsheets, a branded PDF for paper."""

from core.contribution_ceiling import ceiling_cents
from core.csv_safe import csv_bytes
from core.histories import InsuranceHistory, euro_text
from core.pdf import HekDocument, printable

SEPARATOR = ";"  # German spreadsheets expect semicolons and decimal commas


def _day(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _decimal(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}".replace(".", ",")


def _csv(rows: list[list[str]]) -> bytes:
    return csv_bytes(rows, delimiter=SEPARATOR)  # formulas neutralised (core.csv_safe)


def periods_csv(history: InsuranceHistory) -> bytes:
    rows = [["Art", "Beginn", "Ende", "Arbeitgeber"]]
    rows += [
        [period.kind, _day(period.start), _day(period.end), period.employer or ""]
        for period in history.periods
    ]
    return _csv(rows)


def earnings_csv(history: InsuranceHistory) -> bytes:
    rows = [["Jahr", "Arbeitgeber", "Entgelt (EUR)", "Beitragsbemessungsgrenze KV (EUR)"]]
    rows += [
        [
            str(earning.year),
            earning.employer,
            _decimal(earning.amount_cents),
            _decimal(ceiling_cents(earning.year)),
        ]
        for earning in history.earnings
    ]
    return _csv(rows)


def _table(document: HekDocument, rows: list[list[str]], widths: tuple[int, ...]) -> None:
    document.set_font("helvetica", "", 9)
    with document.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        for cells in rows:
            row = table.row()
            for text in cells:
                row.cell(printable(text))
    document.ln(3)


def history_pdf(history: InsuranceHistory) -> bytes:
    """Periods, earnings and yearly totals beside the contribution ceiling, on A4."""
    document = HekDocument(
        title="Versicherungszeiten und Entgelte",
        subtitle=f"{history.member_name} · Versichertennummer {history.kvnr} · "
        f"Stand {_day(history.as_of)}",
    )
    document.heading("Versicherungszeiten")
    _table(
        document,
        [["Art", "Beginn", "Ende", "Arbeitgeber"]]
        + [
            [p.kind, _day(p.start), _day(p.end) or "laufend", p.employer or "–"]
            for p in history.periods
        ],
        (40, 25, 25, 80),
    )
    document.heading("Entgelte")
    _table(
        document,
        [["Jahr", "Arbeitgeber", "Entgelt"]]
        + [[str(e.year), e.employer, euro_text(e.amount_cents)] for e in history.earnings],
        (20, 110, 40),
    )
    document.heading("Jahressummen und Beitragsbemessungsgrenze")
    _table(
        document,
        [["Jahr", "Entgelt gesamt", "Grenze KV", "beitragspflichtig"]]
        + [
            [
                str(y.year),
                euro_text(y.total_cents),
                euro_text(y.ceiling_cents) if y.ceiling_cents is not None else "–",
                euro_text(y.contributory_cents),
            ]
            for y in history.years
        ],
        (20, 50, 50, 50),
    )
    return document.to_bytes()
