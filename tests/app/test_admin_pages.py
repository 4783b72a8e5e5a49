"""Product owners' pages: personas with the way back, guided tours, KPIs and the demo reset.

The reset test empties this module's database: it runs last (tests run in file order).
"""

import json
from collections.abc import Iterator

import pytest
from fpdf import FPDF
from sqlmodel import Session, func, select

from core import documents
from core.crypto import (
    audit_key_to_text,
    generate_audit_key,
    generate_kek,
    generate_signing_key,
    kek_to_text,
    signing_key_to_text,
)
from core.db import session_scope
from core.health.db import get_health_engine
from core.models.audit import AuditEntry
from core.models.people import Member
from core.seed import DEMO_PERSONAS
from core.settings import get_settings
from core.uploads import IncomingFile
from tests.app.helpers import errors, infos, login, shown_text, shows_login_form, titles
from tests.conftest import fresh_sqlite_url
from ui.registry import screens_for

BANNER = "Demo: Sie handeln als"
SICK_NOTE_TOUR = "Krankmeldung senden und per Tracking-ID verfolgen"


def _banner(at) -> str:
    return next((m.value for m in at.markdown if BANNER in str(m.value)), "")


def _expander_labels(at) -> list[str]:
    return [expander.label for expander in at.expander]


@pytest.fixture
def production_mode(monkeypatch) -> Iterator[None]:
    """Outside demo mode, with the secrets production needs set in the environment."""
    monkeypatch.setenv("HEK_MODE", "production")
    monkeypatch.setenv("HEK_KEK", kek_to_text(generate_kek("kek-test")))
    monkeypatch.setenv("HEK_SIGNING_KEY", signing_key_to_text(generate_signing_key("sig-test")))
    monkeypatch.setenv("HEK_FORM_SECRET", "x" * 43)
    monkeypatch.setenv("HEK_AUDIT_KEY", audit_key_to_text(generate_audit_key("ak-test")))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_admin_acts_as_lena_sees_the_banner_everywhere_and_comes_back(portal_db):
    at = login("admin").switch_page("pages/admin_personas.py").run()
    assert titles(at) == ["Demo-Personas"]

    at.button(key="act_as_lena.basic").click().run()

    assert not at.exception
    assert titles(at) == ["Hallo Lena!"]
    assert at.session_state["hek_actor"].username == "lena.basic"
    assert "Lena Berger" in _banner(at) and "Mitglied, basic" in _banner(at)
    at.switch_page("pages/member_send_document.py").run()
    assert titles(at) == ["Dokument senden"] and _banner(at)

    at.button(key="persona_back").click().run()

    assert not at.exception
    assert titles(at) == ["Demo-Personas"]
    assert at.session_state["hek_actor"].username == "admin"
    assert _banner(at) == ""
    with Session(portal_db) as session:
        actions = session.exec(
            select(AuditEntry.action).where(AuditEntry.actor == "admin").order_by(AuditEntry.seq)
        ).all()
    assert actions[-2:] == ["impersonate", "impersonate_end"]


def test_signing_out_as_a_persona_signs_the_admin_out_too():
    at = login("admin").switch_page("pages/admin_personas.py").run()
    at.button(key="act_as_sachbearbeitung").click().run()
    assert titles(at) == ["Back-Office"] and _banner(at)

    at.sidebar.button(key="logout").click().run()

    assert shows_login_form(at)
    assert "hek_admin_token" not in at.session_state


def test_a_clerk_has_the_kpis_but_no_persona_switch():
    clerk_pages = {s.path for s in screens_for(role="clerk", service_level=None)}

    assert "pages/admin_dashboard.py" in clerk_pages
    assert "pages/admin_personas.py" not in clerk_pages
    at = login("sachbearbeitung", page="pages/admin_personas.py")
    assert errors(at) == ["Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."]


def test_outside_demo_mode_personas_and_tours_do_not_exist(production_mode):
    admin_pages = {s.path for s in screens_for(role="admin", service_level=None)}
    assert "pages/admin_dashboard.py" in admin_pages
    assert not {"pages/admin_personas.py", "pages/admin_tour.py"} & admin_pages

    at = login("admin")

    assert not at.exception
    for page in ("pages/admin_personas.py", "pages/admin_tour.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def _sick_note() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=20)
    document.cell(text="AU-Bescheinigung")
    return bytes(document.output())


def test_tour_opens_the_step_as_its_persona_and_ticks_it_from_the_audit_log():
    at = login("admin").switch_page("pages/admin_tour.py").run()
    assert titles(at) == ["Geführte Touren"]
    assert any(label.startswith(f"{SICK_NOTE_TOUR} · 0/3") for label in _expander_labels(at))

    at.button(key="go_sick-note__send").click().run()

    assert titles(at) == ["Dokument senden"]
    lena = at.session_state["hek_actor"]
    assert lena.username == "lena.basic"
    request = documents.DocumentRequest(
        kvnr=next(p.kvnr for p in DEMO_PERSONAS if p.username == "lena.basic"),
        doc_type="au",
        files=[IncomingFile(name="au.pdf", data=_sick_note())],
    )
    with session_scope(write=True) as session:  # what the page's "Senden" does
        documents.submit_document(session, actor=lena, request=request)
    at.button(key="persona_back").click().run()

    assert titles(at) == ["Geführte Touren"]
    assert any(label.startswith(f"{SICK_NOTE_TOUR} · 1/3") for label in _expander_labels(at))
    assert "**erledigt**" in shown_text(at)

    at.checkbox(key="tick_sick-note__follow").check().run()

    assert any(label.startswith(f"{SICK_NOTE_TOUR} · 2/3") for label in _expander_labels(at))


def test_tour_steps_link_only_to_registered_pages(monkeypatch):
    from ui import registry

    missing = "pages/member_digital_card.py"
    monkeypatch.setattr(
        registry, "SCREENS", tuple(s for s in registry.SCREENS if s.path != missing)
    )
    at = login("admin").switch_page("pages/admin_tour.py").run()

    assert not at.exception
    assert "kommt bald" in [caption.value for caption in at.caption]
    assert not [b for b in at.button if b.key == "go_lost-card__digital"]
    assert [b for b in at.button if b.key == "go_lost-card__report"]


def test_kpi_page_shows_counts_and_charts_for_a_clerk(portal_db):
    at = login("sachbearbeitung").switch_page("pages/admin_dashboard.py").run()

    assert not at.exception
    assert titles(at) == ["Kennzahlen"]
    with Session(portal_db) as session:
        members = session.exec(select(func.count()).select_from(Member)).one()
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Versicherte"] == str(members)
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    titles_shown = [chart["layout"]["title"]["text"] for chart in charts]
    assert "Eingang pro Tag nach Dokumentenart (30 Tage)" in titles_shown
    intake = charts[titles_shown.index("Eingang pro Tag nach Dokumentenart (30 Tage)")]
    assert [trace["name"] for trace in intake["data"]] == list(documents.DOCUMENT_TYPES.values())
    assert "Versicherte nach Version" in titles_shown


@pytest.fixture
def own_provider_database(monkeypatch) -> Iterator[None]:
    """The reset empties the provider database too: give it one of its own."""
    monkeypatch.setenv("HEALTH_DATABASE_URL", fresh_sqlite_url())
    get_settings.cache_clear()
    get_health_engine.cache_clear()
    yield
    get_health_engine().dispose()
    monkeypatch.undo()
    get_settings.cache_clear()
    get_health_engine.cache_clear()


def test_admin_resets_the_demo_and_signs_in_again(portal_db, own_provider_database):
    at = login("admin").switch_page("pages/admin_personas.py").run()
    assert at.button(key="reset_demo").disabled

    at.checkbox(key="reset_confirm").check().run()
    at.button(key="reset_demo").click().run()

    assert not at.exception
    assert shows_login_form(at)
    assert any("Die Demodaten wurden in" in notice for notice in infos(at))
    with Session(portal_db) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 207
        assert session.exec(select(AuditEntry.action)).all() == ["reset_demo"]
    assert titles(login("lena.basic")) == ["Hallo Lena!"]
