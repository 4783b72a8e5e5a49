"""Every registered screen opens for every persona allowed to see it; the others are refused."""

import json

import pytest
from sqlmodel import Session, select

from core.models.audit import AuditEntry
from core.seed import DEMO_PERSONAS, DemoPersona
from tests.app.helpers import audit_looks, errors, login, shown_text, titles
from ui.registry import SCREENS, Screen, may_open

# Service level of each member persona (core/seed.py); checked against the signed-in actor.
MEMBER_LEVELS = {
    "lena.basic": "basic",
    "jonas.smart": "smart",
    "miriam.health": "smarthealth",
    "deniz.familie": "smart",
}
KVNR_OF = {persona.username: persona.kvnr for persona in DEMO_PERSONAS}
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."


def _first_name(persona: DemoPersona) -> str:
    return persona.display_name.split()[0]


# A screen's heading is its navigation title, except on the start pages.
START_HEADINGS = {
    "member_home": lambda persona: f"Hallo {_first_name(persona)}!",
    "clerk_home": lambda persona: "Back-Office",
}


def _heading(screen: Screen, persona: DemoPersona) -> str:
    start = START_HEADINGS.get(screen.url_path)
    return start(persona) if start else screen.title


def _level(persona: DemoPersona) -> str | None:
    return MEMBER_LEVELS.get(persona.username)


def _cases(*, allowed: bool) -> list:
    return [
        pytest.param(persona, screen, id=f"{persona.username}-{screen.url_path}")
        for persona in DEMO_PERSONAS
        for screen in SCREENS
        if may_open(screen, role=persona.role, service_level=_level(persona)) == allowed
        and not screen.signed_out_only  # its URL shows visitors the screen, not a login form
    ]


def test_start_headings_and_member_levels_match_registry_and_seed():
    assert set(START_HEADINGS) <= {screen.url_path for screen in SCREENS}
    assert {p.username for p in DEMO_PERSONAS if p.kvnr} == set(MEMBER_LEVELS)


@pytest.mark.parametrize(("persona", "screen"), _cases(allowed=True))
def test_every_permitted_screen_opens_without_exception_and_shows_its_heading(
    persona: DemoPersona, screen: Screen
):
    at = login(persona.username)
    assert not at.exception
    assert at.session_state["hek_actor"].service_level == _level(persona)

    at.switch_page(screen.path).run()

    assert not at.exception
    assert _heading(screen, persona) in titles(at)
    assert errors(at) == []
    sidebar = [str(getattr(element, "value", "")) for element in at.sidebar]
    assert any(persona.display_name in value for value in sidebar)
    assert at.sidebar.button(key="logout")


@pytest.mark.parametrize(("persona", "screen"), _cases(allowed=False))
def test_a_typed_url_of_another_roles_screen_is_refused_and_audited(
    portal_db, persona: DemoPersona, screen: Screen
):
    at = login(persona.username, page=screen.path)

    assert not at.exception
    assert errors(at) == [REFUSAL]
    assert _heading(screen, persona) not in titles(at)
    with Session(portal_db) as session:
        latest = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (latest.actor, latest.action, latest.subject_id) == (
        persona.username,
        "access_denied",
        screen.url_path,
    )


def test_a_members_navigation_registers_no_back_office_screen():
    at = login("lena.basic")

    for screen in SCREENS:
        if screen.section in {"Back-Office", "Admin"}:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(screen.path)


def test_member_start_page_shows_kvnr_and_version():
    lena = next(p for p in DEMO_PERSONAS if p.username == "lena.basic")

    text = shown_text(login("lena.basic"))

    assert f"Versichertennummer {lena.kvnr} · Version basic" in text
    assert "Mitglied seit 01.01.2015" in text


def test_member_profile_lists_the_household():
    at = login("deniz.familie").switch_page("pages/member_profile.py").run()

    assert "Im selben Haushalt versichert" in shown_text(at)
    household = at.dataframe[0].value
    assert sorted(name.split()[0] for name in household["Name"]) == ["Aylin", "Emre", "Selin"]


def test_clerk_overview_counts_every_member():
    at = login("sachbearbeitung")

    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Versicherte"] == "27"  # 7 persona members and 20 synthetic ones
    assert sum(int(metrics[level]) for level in ("basic", "smart", "smarthealth")) == 27


def test_clerk_member_screen_offers_the_search_field():
    at = login("sachbearbeitung").switch_page("pages/clerk_members.py").run()

    field = at.text_input(key="member_query")
    assert field.label == "Suche nach Versichertennummer oder Name"
    assert field.value == ""


def test_admin_verifies_the_audit_chain():
    at = login("admin").switch_page("pages/admin_accounts.py").run()

    at.button(key="verify_audit").click().run()

    assert not at.exception
    assert [s.value.split(":")[0] for s in at.success] == ["Audit-Protokoll intakt"]


def test_admin_cannot_deactivate_their_own_account():
    at = login("admin").switch_page("pages/admin_accounts.py").run()
    own = f"toggle_{at.session_state['hek_actor'].user_id}"

    toggles = [button for button in at.button if (button.key or "").startswith("toggle_")]

    assert len(toggles) == 3  # two clerks and the admin
    assert [button.key for button in toggles if button.disabled] == [own]


def test_account_page_offers_the_password_form():
    at = login("sachbearbeitung").switch_page("pages/account.py").run()

    labels = {key: at.text_input(key=key).label for key in ("pw_current", "pw_new", "pw_repeat")}
    assert labels == {
        "pw_current": "Bisheriges Passwort",
        "pw_new": "Neues Passwort",
        "pw_repeat": "Neues Passwort wiederholen",
    }
    assert at.button(key="FormSubmitter:change_password-Passwort ändern")


@pytest.mark.parametrize("persona", DEMO_PERSONAS, ids=lambda persona: persona.username)
def test_signed_out_screens_are_not_in_a_signed_in_navigation(persona: DemoPersona):
    at = login(persona.username)
    for screen in SCREENS:
        if screen.signed_out_only:
            with pytest.raises(ValueError, match="Could not find"):
                at.switch_page(screen.path)


def test_each_visit_of_the_admins_audit_page_is_audited_once_not_each_click():
    def looks() -> int:
        return len(audit_looks("view_audit_log"))

    before = looks()
    at = login("admin").switch_page("pages/admin_accounts.py").run()
    assert looks() == before + 1
    assert audit_looks("view_audit_log")[-1].actor == "admin"

    at = at.button(key="verify_audit").click().run()
    assert not at.exception and looks() == before + 1  # a click is no new look

    at.switch_page("pages/admin_dashboard.py").run()
    at.switch_page("pages/admin_accounts.py").run()
    assert looks() == before + 2


def test_the_admins_audit_page_counts_the_members_an_entry_names_but_shows_no_member_id():
    clerk = login("sachbearbeitung").switch_page("pages/clerk_members.py").run()
    clerk.text_input(key="member_query").input(KVNR_OF["lena.basic"]).run()
    clerk.button(key="open_member").click().run()
    opened = audit_looks("view_member")[-1]

    at = login("admin").switch_page("pages/admin_accounts.py").run()

    rows = at.dataframe[0].value
    (view,) = rows[rows["Nr."] == opened.seq].to_dict("records")
    assert (view["Wer"], view["Aktion"], view["Objekt"]) == (
        "sachbearbeitung",
        "view_member",
        "member",
    )
    assert view["Versicherte"] == 1 + len(json.loads(opened.details)["household"])
    assert not rows["Objekt"].str.startswith("member ").any()
