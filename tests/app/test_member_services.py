"""Bescheinigungen, Familienmitglieder, Downloadcenter and Datenschutz, as a member uses them."""

from sqlmodel import select

from core import auth, certificate_issuing
from core.certificate_seal import verify_certificate_pdf
from core.db import session_scope
from core.kvnr import make_kvnr
from core.models.accounts import UserAccount
from core.models.certificates import CertificateRequest
from core.seed import DEMO_PERSONAS
from tests.app.helpers import errors, file_bytes, file_links, image_urls, login, shown_text

EMRE = make_kvnr("Y40000002")  # Deniz's son in the demo household (core/seed.py)
JONAS = next(p.kvnr for p in DEMO_PERSONAS if p.username == "jonas.smart")


def _certificates(username: str):
    return login(username).switch_page("pages/member_certificates.py").run()


def _requests(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records") if at.dataframe else []


def test_parent_requests_a_family_insurance_certificate_for_a_child_and_sees_it_listed():
    at = _certificates("deniz.familie")
    at.radio(key="cert_type").set_value("familienversicherung")
    at.selectbox(key="cert_whom").set_value(EMRE).run()

    assert "Aus Datenschutzgründen und zur zusätzlichen Verifizierung" in at.info[0].value
    at.button(key="cert_submit").click().run()

    assert not at.exception
    assert errors(at) == []
    assert [s.value for s in at.success] == [
        "Ihre Familienversicherungsbescheinigung für „Emre Yilmaz“ ist angefordert."
    ]
    (request,) = _requests(at)
    assert {k: request[k] for k in ("Bescheinigung", "Für", "Versand", "Status")} == {
        "Bescheinigung": "Familienversicherungsbescheinigung",
        "Für": "Emre Yilmaz",
        "Versand": "Per Post",
        "Status": "Offen",
    }


def test_a_second_click_on_the_same_form_files_no_second_request():
    at = _certificates("jonas.smart")
    at.button(key="cert_submit").click().run()
    at.button(key="cert_submit").click().run()

    (request,) = _requests(at)
    assert (request["Bescheinigung"], request["Versand"]) == (
        "Versicherungsbescheinigung",
        "Per Post",  # Jonas has not switched App-Kommunikation on
    )

    at.button(key="cert_again").click().run()
    at.button(key="cert_submit").click().run()
    assert len(_requests(at)) == 2


def test_with_app_communication_on_the_issued_certificate_opens_in_the_app_as_a_pdf(portal_db):
    at = login("miriam.health").switch_page("pages/member_communication.py").run()
    at.toggle(key="app_comm").set_value(True).run()
    at.switch_page("pages/member_certificates.py").run()
    assert at.info[0].value.startswith("Ihre Versicherungsbescheinigung erhalten Sie direkt hier")

    at.button(key="cert_submit").click().run()
    (request,) = _requests(at)
    assert request["Versand"] == "In der App"
    assert "Hier erscheint Ihre Versicherungsbescheinigung" in shown_text(at)
    with session_scope(write=True, engine=portal_db) as db:
        clerk = auth.actor_for(
            db, db.exec(select(UserAccount).where(UserAccount.username == "sachbearbeitung")).one()
        )
        request_id = db.exec(
            select(CertificateRequest.id).where(
                CertificateRequest.delivery == "app", CertificateRequest.status == "offen"
            )
        ).one()
        issued = certificate_issuing.issue_certificate(db, actor=clerk, request_id=request_id)

    at.run()
    assert f"Versicherungsbescheinigung · Nr. {issued.id}" in [t.value for t in at.text][-1]
    at.button(key=f"cert_show_{issued.id}").click().run()

    assert not at.exception
    (page_one,) = image_urls(at)  # page 1 of the certificate
    assert file_bytes(at, page_one).startswith(b"\x89PNG")
    (label,) = file_links(at)
    assert label == "PDF herunterladen"
    pdf = file_bytes(at, file_links(at)[label])
    assert pdf == at.session_state["cert_shown"][1]
    assert at.session_state["cert_shown"][0] == issued.id
    check = verify_certificate_pdf(pdf)
    assert check.status == "valid" and check.fields.name == "Miriam Schulte"


def test_membership_certificate_for_another_kvnr_is_refused_with_the_reason():
    at = _certificates("lena.basic")
    at.radio(key="cert_type").set_value("mitgliedschaft")
    at.selectbox(key="cert_whom").set_value("other").run()
    at.text_input(key="cert_kvnr").input(JONAS)
    at.button(key="cert_submit").click().run()

    assert not at.exception
    assert errors(at) == ["Eine Mitgliedsbescheinigung können Sie nur für sich selbst anfordern."]
    assert _requests(at) == []


def test_a_family_member_added_in_the_profile_can_be_picked_for_a_certificate():
    at = login("lena.basic").switch_page("pages/member_family.py").run()
    assert "Sie haben noch keine Familienmitglieder hinterlegt." in shown_text(at)

    at.text_input(key="family_add_0_first").input("Paul")
    at.text_input(key="family_add_0_last").input("Berger")
    at.text_input(key="family_add_0_kvnr").input(JONAS)
    at.selectbox(key="family_add_0_relation").set_value("Lebenspartner/in")
    at.button(key="FormSubmitter:family_add_0-Hinzufügen").click().run()

    assert not at.exception
    assert [s.value for s in at.success] == ["Das Familienmitglied wurde hinzugefügt."]
    assert f"Versichertennummer {JONAS}" in shown_text(at)
    assert at.text_input(key="family_add_1_first").value == ""

    at.switch_page("pages/member_certificates.py").run()
    assert "Paul Berger (Lebenspartner/in)" in at.selectbox(key="cert_whom").options


def test_downloads_search_narrows_the_list_and_opens_a_preview():
    at = login("lena.basic").switch_page("pages/member_downloads.py").run()
    assert len(at.get("download_button")) == 8

    at.text_input(key="download_query").input("Festzuschuss").run()

    assert len(at.get("download_button")) == 1
    assert "**Broschüre Zahnersatz**" in at.markdown[0].value
    at.button(key="view_broschuere-zahnersatz").click().run()
    assert not at.exception
    assert len(at.get("image")) >= 1
    assert "Zum Drucken" in shown_text(at)


def test_privacy_page_offers_the_pdf_download_to_members_and_staff():
    for username in ("lena.basic", "sachbearbeitung"):
        at = login(username).switch_page("pages/privacy.py").run()

        assert not at.exception
        (button,) = at.get("download_button")
        assert button.proto.label == "Datenschutzerklärung als PDF herunterladen"
        assert "Ihre Rechte" in shown_text(at)


def test_a_members_and_a_non_members_number_get_the_same_neutral_sentence():
    """No membership oracle (issue #17): the page answers alike for both numbers."""
    shown = []
    for kvnr in (JONAS, make_kvnr("Z99999999")):
        at = _certificates("deniz.familie")
        at.selectbox(key="cert_whom").set_value("other").run()
        at.text_input(key="cert_kvnr").input(kvnr).run()
        at.button(key="cert_submit").click().run()
        assert not at.exception and errors(at) == []
        shown.append(([s.value for s in at.success], _requests(at)[0]["Status"]))

    sentence = (
        "Wenn die Versichertennummer zu einem HEK-Mitglied gehört, senden wir die "
        "Bescheinigung an dessen Postanschrift."
    )
    assert shown == [([sentence], "Offen"), ([sentence], "Offen")]
