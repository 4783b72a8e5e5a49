"""Branded PDFs with fpdf2 (page images for viewing come from core.previews).

`HekDocument` carries the HEK header and footer; certificates and letters reuse it. Text is
set in the core font Helvetica with Windows-1252 encoding, so no font file is needed on a
fresh machine and German umlauts, ß, € and typographic quotes print; anything outside that
code page is replaced before it reaches fpdf2.

`markdown_pdf` understands the small subset the content files use:
`# Titel`, `## Abschnitt`, `- Punkt`, `- [ ] Ankreuzfeld`, `___ Feldbezeichnung` (a line to
fill in), `**fett**` inside paragraphs, and blank lines between paragraphs.
"""

from fpdf import FPDF

HEK_BLUE = (0, 84, 159)
TEXT_GREY = (60, 60, 60)
_REPLACEMENTS = str.maketrans(
    {"→": "->", "≥": ">=", "≤": "<=", "\u2011": "-", "\u00ad": "", "\u202f": " ", "✓": "x"}
)


def printable(text: str) -> str:
    """What the core font can print: Windows-1252, with a few look-alikes mapped first."""
    return text.translate(_REPLACEMENTS).encode("cp1252", "replace").decode("cp1252")


class HekDocument(FPDF):
    """An A4 document with the HEK header band, a title, and page numbers in the footer."""

    def __init__(self, *, title: str, subtitle: str | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "cp1252"
        self.doc_title = printable(title)
        self.doc_subtitle = printable(subtitle) if subtitle else None
        self.set_title(self.doc_title)
        self.set_author("HEK – Hanseatische Krankenkasse")
        self.set_creator("HEK Service-Portal")
        self.set_margins(left=20, top=20, right=20)
        self.set_auto_page_break(auto=True, margin=22)
        self.add_page()
        self._title_block()

    def header(self) -> None:
        self.set_fill_color(*HEK_BLUE)
        self.rect(0, 0, self.w, 14, style="F")
        self.set_xy(20, 4)
        self.set_font("helvetica", "B", 12)
        self.set_text_color(255, 255, 255)
        self.cell(0, 6, "HEK – Hanseatische Krankenkasse")
        self.set_xy(20, 4)
        self.set_font("helvetica", "", 9)
        self.cell(0, 6, "Service-Portal", align="R")
        self.set_text_color(*TEXT_GREY)
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(*HEK_BLUE)
        self.line(20, self.get_y(), self.w - 20, self.get_y())
        self.set_font("helvetica", "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 8, self.doc_title)
        self.set_x(20)
        self.cell(0, 8, f"Seite {self.page_no()} von {{nb}}", align="R")

    def _title_block(self) -> None:
        self.set_font("helvetica", "B", 18)
        self.set_text_color(*HEK_BLUE)
        self.multi_cell(0, 9, self.doc_title, new_x="LMARGIN", new_y="NEXT")
        if self.doc_subtitle:
            self.set_font("helvetica", "", 11)
            self.set_text_color(*TEXT_GREY)
            self.multi_cell(0, 6, self.doc_subtitle, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("helvetica", "B", 13)
        self.set_text_color(*HEK_BLUE)
        self.multi_cell(0, 7, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str) -> None:
        self.set_font("helvetica", "", 10.5)
        self.set_text_color(*TEXT_GREY)
        self.multi_cell(0, 5.5, printable(text), markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def bullet(self, text: str, *, box: bool = False) -> None:
        self.set_font("helvetica", "", 10.5)
        self.set_text_color(*TEXT_GREY)
        self.set_x(self.l_margin + 3)
        if box:
            self.set_draw_color(*TEXT_GREY)
            self.rect(self.get_x(), self.get_y() + 1, 3.5, 3.5)
        else:
            self.cell(4, 5.5, "•")
        self.set_x(self.l_margin + 9)
        self.multi_cell(0, 5.5, printable(text), markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def form_field(self, label: str) -> None:
        """A labelled line to fill in by hand."""
        self.set_font("helvetica", "", 8.5)
        self.set_text_color(110, 110, 110)
        self.ln(7)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.cell(0, 4.5, printable(label))
        self.ln(5)

    def markdown(self, text: str) -> None:
        """Lay out the content subset described in the module docstring."""
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                self.paragraph(" ".join(paragraph))
                paragraph.clear()

        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                flush()
            elif line.startswith("# "):
                flush()  # the document title is set from the catalogue, not repeated
            elif line.startswith("## "):
                flush()
                self.heading(line[3:])
            elif line.startswith("- [ ] "):
                flush()
                self.bullet(line[6:], box=True)
            elif line.startswith("- "):
                flush()
                self.bullet(line[2:])
            elif line.startswith("___ "):
                flush()
                self.form_field(line[4:])
            else:
                paragraph.append(line)
        flush()

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def markdown_pdf(*, title: str, body: str, subtitle: str | None = None) -> bytes:
    """A branded PDF from content text."""
    document = HekDocument(title=title, subtitle=subtitle)
    document.markdown(body)
    return document.to_bytes()
