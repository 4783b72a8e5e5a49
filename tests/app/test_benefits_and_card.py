"""Leistungen & Services, the Leistungskatalog and the Gesundheitskarte, as people use them."""

import re

from core import benefits
from core.actors import SYSTEM
from core.db import session_scope
from tests.app.helpers import errors, login, shown_text, titles
from ui.registry import SCREENS

BENEFITS = "pages/member_benefits.py"
CATALOGUE = "pages/clerk_benefits.py"
HEALTH_CARD = "pages/member_health_card.py"
SAVE = "FormSubmitter:benefit_edit_form-Speichern"
TRACKING_ID = re.compile(r"^HEK-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$")


def _benefits(username: str = "lena.basic", query: str | None = None):
    at = login(username).switch_page(BENEFITS).run()
    if query is not None:
        at.text_input(key="benefit_query").input(query).run()
    return at


def _listed(at) -> list[str]:
    return [expander.label for expander in at.expander]


def _texts(at) -> list[str]:
    """What st.text shows: the staff-edited bodies, exactly as typed."""
    return [text.value for text in at.text]


def _edit(query: str, **fields: str):
    """The clerk finds an entry, replaces some of its texts and saves; returns the AppTest."""
    at = login("sachbearbeitung").switch_page(CATALOGUE).run()
    at.text_input(key="benefit_edit_query").input(query).run()
    entry_id = at.selectbox(key="benefit_edit_choice").value
    for field, value in fields.items():
        widget = at.text_input if field == "title" else at.text_area
        widget(key=f"benefit_edit_{entry_id}_{field}").input(value)
    return at.button(key=SAVE).click().run()


def test_the_catalogue_lists_every_benefit_a_to_z_and_filters_by_life_situation():
    at = _benefits()

    assert not at.exception
    listed = _listed(at)
    assert len(listed) >= 25
    assert [s.value for s in at.subheader][:3] == ["A", "B", "D"]

    at.selectbox(key="benefit_situation").set_value("Pflege").run()
    assert _listed(at) == ["Pflegeberatung", "Pflegegeld", "Verhinderungspflege"]


def test_search_finds_a_benefit_by_a_word_from_its_text_ignoring_case_and_umlauts():
    at = _benefits(query="dioptrien")
    assert _listed(at) == ["Brillen und Kontaktlinsen"]

    at.text_input(key="benefit_query").input("HOERAKUSTIKER").run()
    assert _listed(at) == ["Hörgeräte"]

    at.text_input(key="benefit_query").input("Tarifwechsel").run()
    assert _listed(at) == []
    assert "0800 0213213" in shown_text(at)


def test_the_action_button_opens_dokument_senden_with_the_document_type_preselected():
    at = login("lena.basic").switch_page("pages/member_send_document.py").run()
    assert at.selectbox(key="doc_type").value == "au"

    at.switch_page(BENEFITS).run()
    at.text_input(key="benefit_query").input("Festzuschuss").run()
    at.button(key="benefit_go_zahnersatz-festzuschuss").click().run()

    assert not at.exception
    assert "Dokument senden" in titles(at)
    assert at.selectbox(key="doc_type").value == "antrag"


def test_other_actions_lead_to_certificates_and_the_health_card_or_show_the_hotline():
    at = _benefits(query="Mitgliedsbescheinigung")
    at.button(key="benefit_go_mitgliedsbescheinigung").click().run()
    assert "Bescheinigungen anfordern" in titles(at)

    at = _benefits(query="Karte verloren")
    at.button(key="benefit_go_neue-gesundheitskarte").click().run()
    assert "Gesundheitskarte" in titles(at)

    at = _benefits(query="Zweitmeinung")
    assert "benefit_go_aerztliche-zweitmeinung" not in _button_keys(at)  # basic: no messenger
    (hotline,) = [info.value for info in at.info]
    assert "Nachricht an die HEK" in hotline
    assert "Messenger" in hotline
    assert "0800 0213213" in hotline


def test_a_health_card_request_shows_its_tracking_id_and_is_listed_with_its_status():
    at = login("lena.basic").switch_page(HEALTH_CARD).run()
    assert "Sie haben noch keine neue Gesundheitskarte beantragt." in shown_text(at)
    assert "0800 0213213" in shown_text(at)

    at.radio(key="health_card_reason").set_value("defekt").run()
    at.button(key="health_card_submit").click().run()

    assert not at.exception
    assert errors(at) == []
    (tracking_id,) = [code.value for code in at.code]
    assert TRACKING_ID.match(tracking_id)
    text = shown_text(at)
    assert f"Tracking-ID: `{tracking_id}`" in text
    assert "**Karte defekt** · eingegangen" in text
    assert "Ihre neue Karte ist beantragt (Status: eingegangen)" in text
    assert "health_card_submit" not in _button_keys(at)  # one open request at a time


def _button_keys(at) -> set[str]:
    return {button.key for button in at.button}


def test_the_health_card_page_offers_smart_members_the_digital_card_as_immediate_help():
    smart = shown_text(login("jonas.smart").switch_page(HEALTH_CARD).run())
    basic = shown_text(login("lena.basic").switch_page(HEALTH_CARD).run())

    assert "Als smart-Nutzer können Sie als Soforthilfe" in smart
    assert "Mit der smart-Version können Sie als Soforthilfe" in basic
    for text in (smart, basic):
        assert "wir empfehlen Ihnen, gleich eine neue Gesundheitskarte" in text
        assert "0800 0213213" in text


def test_a_clerk_edits_a_benefit_and_the_member_sees_the_change():
    at = _edit("Osteopathie", summary="Bis zu 50 Euro je Sitzung, vier Sitzungen im Jahr.")

    assert not at.exception
    assert [s.value for s in at.success] == ["„Osteopathie“ ist gespeichert."]

    member = _benefits(query="Osteopathie")
    assert _listed(member) == ["Osteopathie"]
    assert "Bis zu 50 Euro je Sitzung, vier Sitzungen im Jahr." in _texts(member)


def test_html_in_an_edited_text_is_shown_escaped_not_rendered():
    markup = '<img src=x onerror="alert(1)"><b>Fettdruck</b> [Link](javascript:alert(1))'
    at = _edit("Nichtraucher", title="<i>Rauchfrei</i> werden", summary=markup)
    assert not at.exception

    member = _benefits(query="Fettdruck")
    assert markup in _texts(member)  # st.text: no Markdown, no HTML
    assert not [m.value for m in member.markdown if "Fettdruck" in m.value]
    (label,) = _listed(member)  # expander labels are Markdown: every markup character escaped
    assert label == "\\<i\\>Rauchfrei\\</i\\> werden"


def test_a_card_with_a_new_photo_leads_on_to_sending_the_photo():
    at = login("jonas.smart").switch_page(HEALTH_CARD).run()
    at.radio(key="health_card_reason").set_value("neues_foto").run()
    at.button(key="health_card_submit").click().run()
    assert "aktuelles Passbild" in shown_text(at)

    at.button(key="health_card_send").click().run()

    assert not at.exception
    assert "Dokument senden" in titles(at)
    assert at.selectbox(key="doc_type").value == "sonstiges"


def test_a_clerk_saving_over_a_colleagues_newer_edit_is_stopped_and_shown_the_new_text(
    portal_db,
):
    at = login("sachbearbeitung").switch_page(CATALOGUE).run()
    at.text_input(key="benefit_edit_query").input("Hebammenhilfe").run()
    entry_id = at.selectbox(key="benefit_edit_choice").value
    with session_scope(write=True, engine=portal_db) as db:  # a colleague saves first
        entry = benefits.get_benefit(db, benefit_id=entry_id)
        values = {name: getattr(entry, name) for name in benefits.FIELD_LABELS}
        benefits.update_benefit(
            db,
            actor=SYSTEM,
            benefit_id=entry_id,
            edit=benefits.BenefitEdit(**{**values, "summary": "Fassung der Kollegin."}),
        )

    at.text_area(key=f"benefit_edit_{entry_id}_summary").input("Meine Fassung.")
    at.button(key=SAVE).click().run()

    assert errors(at) == [benefits.BenefitChanged.default_message]
    assert at.text_area(key=f"benefit_edit_{entry_id}_summary").value == "Fassung der Kollegin."


def test_for_a_smart_member_nachricht_an_die_hek_opens_the_messenger():
    messenger = next(s for s in SCREENS if s.path == "pages/member_messenger.py")
    at = _benefits("jonas.smart", query="Zweitmeinung")
    at.button(key="benefit_go_aerztliche-zweitmeinung").click().run()

    assert not at.exception
    assert messenger.title in titles(at)
