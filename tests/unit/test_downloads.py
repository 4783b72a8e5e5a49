"""The Downloadcenter catalogue and every PDF it and the privacy page hand out."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from core import downloads, pdf, privacy
from core.downloads import DownloadNotFound
from core.previews import pdf_page_count, render_pdf_pages


def _text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(document)).pages)


def test_the_catalogue_offers_brochures_info_sheets_forms_and_a_flyer():
    items = downloads.catalogue()

    assert len(items) >= 8
    assert len({item.id for item in items}) == len(items)
    assert {item.category for item in items} == {"Broschüre", "Flyer", "Infoblatt", "Formular"}


def test_search_finds_an_item_by_a_word_only_in_its_description():
    found = downloads.search("Festzuschuss")

    assert [item.title for item in found] == ["Broschüre Zahnersatz"]
    assert "Festzuschuss" not in found[0].title


def test_search_finds_by_keyword_ignores_case_and_spelled_out_umlauts():
    assert [i.id for i in downloads.search("bonusprogramm")] == ["infoblatt-vorsorgeplus"]
    assert [i.id for i in downloads.search("BROSCHUERE")] == ["broschuere-zahnersatz"]


def test_search_needs_every_word_and_an_empty_query_lists_everything():
    assert [i.id for i in downloads.search("Formular Zuzahlung")] == ["antrag-zuzahlungsbefreiung"]
    assert downloads.search("Zahnersatz Krankengeld") == []
    assert downloads.search("   ") == list(downloads.catalogue())


def test_an_unknown_item_is_refused():
    with pytest.raises(DownloadNotFound):
        downloads.render_pdf("../privacy")


@pytest.mark.parametrize("item", downloads.catalogue(), ids=lambda item: item.id)
def test_every_download_renders_as_a_pdf_with_its_title_and_umlauts(item):
    document = downloads.render_pdf(item.id)

    assert document.startswith(b"%PDF-")
    assert pdf_page_count(document) >= 1
    assert item.title in _text(document)
    assert render_pdf_pages(document, count=1)[0].startswith(b"\x89PNG")


def test_the_privacy_statement_renders_as_a_pdf_and_as_text():
    document = privacy.privacy_pdf()

    assert pdf_page_count(document) >= 1
    text = _text(document)
    assert "Datenschutzerklärung" in text
    assert "zusätzlichen Verifizierung" in text
    assert privacy.privacy_text().startswith("Diese Datenschutzerklärung gilt")


def test_text_outside_the_core_fonts_code_page_is_replaced_not_fatal():
    document = pdf.markdown_pdf(title="Prüfung – „Anführung“ 5 €", body="Pfeil → und Emoji 🙂")

    text = _text(document)
    assert "Prüfung – „Anführung“ 5 €" in text
    assert "Pfeil -> und Emoji ?" in text
