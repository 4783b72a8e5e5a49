"""Demo personas: an admin acts as a persona in demo mode only, audited, with a way back;
guided tours tick the steps the audit log shows. SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fpdf import FPDF
from sqlalchemy import Engine
from sqlmodel import func, select

from core import auth, documents, inbox, personas, preferences, tours
from core.actors import Actor
from core.auth import SignedIn
from core.clock import utcnow
from core.db import session_scope
from core.errors import NotAllowed, SessionEnded
from core.models.accounts import UserSession
from core.models.audit import AuditEntry
from core.seed import DEMO_PASSWORD, DEMO_PERSONAS, seed_demo
from core.settings import get_settings
from core.uploads import IncomingFile

LENA_KVNR = next(p.kvnr for p in DEMO_PERSONAS if p.username == "lena.basic")


@pytest.fixture
def demo(engine) -> Engine:
    seed_demo(engine, members=5)
    return engine


@pytest.fixture
def production_mode(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("HEK_MODE", "production")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def sign_in(engine: Engine, username: str) -> SignedIn:
    with session_scope(write=True, engine=engine) as session:
        return auth.login(session, username=username, password=DEMO_PASSWORD)


def act_as(engine: Engine, admin: Actor, username: str) -> SignedIn:
    with session_scope(write=True, engine=engine) as session:
        return personas.act_as(session, admin=admin, username=username)


def newest_entry(engine: Engine) -> AuditEntry:
    with session_scope(engine=engine) as session:
        return session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def open_sessions(engine: Engine) -> int:
    with session_scope(engine=engine) as session:
        return session.exec(
            select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))
        ).one()


def test_admin_acts_as_a_member_persona_and_every_page_sees_that_member(demo):
    admin = sign_in(demo, "admin").actor

    lena = act_as(demo, admin, "lena.basic")

    with session_scope(write=True, engine=demo) as session:
        resumed = auth.resume(session, token=lena.token)
    assert (resumed.username, resumed.role, resumed.service_level) == (
        "lena.basic",
        "member",
        "basic",
    )
    assert resumed.member_id is not None


def test_acting_as_a_persona_is_audited_with_who_and_whom(demo):
    admin = sign_in(demo, "admin").actor

    act_as(demo, admin, "sachbearbeitung")

    entry = newest_entry(demo)
    assert (entry.actor, entry.actor_role, entry.action) == ("admin", "admin", "impersonate")
    assert '"persona": "sachbearbeitung"' in entry.details
    assert '"admin": "admin"' in entry.details


def test_the_way_back_ends_the_persona_session_and_resumes_the_admin(demo):
    signed_in = sign_in(demo, "admin")
    miriam = act_as(demo, signed_in.actor, "miriam.health")

    with session_scope(write=True, engine=demo) as session:
        back = personas.return_to_admin(
            session, admin_token=signed_in.token, persona_token=miriam.token
        )

    assert back.username == "admin"
    with session_scope(write=True, engine=demo) as session, pytest.raises(SessionEnded):
        auth.resume(session, token=miriam.token)
    entry = newest_entry(demo)
    assert (entry.actor, entry.action) == ("admin", "impersonate_end")
    assert '"persona": "miriam.health"' in entry.details


def test_a_persona_session_is_worth_nothing_once_the_admin_has_signed_out(demo):
    signed_in = sign_in(demo, "admin")
    act_as(demo, signed_in.actor, "jonas.smart")
    with session_scope(write=True, engine=demo) as session:
        auth.logout(session, token=signed_in.token)

    with session_scope(write=True, engine=demo) as session, pytest.raises(SessionEnded):
        personas.check_admin_session(session, admin_token=signed_in.token)


def test_a_clerk_cannot_act_as_a_persona_and_nothing_is_opened(demo):
    clerk = sign_in(demo, "sachbearbeitung").actor
    sessions_before = open_sessions(demo)

    with pytest.raises(NotAllowed, match="Nur Admins"):
        act_as(demo, clerk, "lena.basic")

    assert open_sessions(demo) == sessions_before
    assert newest_entry(demo).action == "login"


def test_a_member_cannot_act_as_another_member(demo):
    lena = sign_in(demo, "lena.basic").actor

    with pytest.raises(NotAllowed):
        act_as(demo, lena, "jonas.smart")


@pytest.mark.parametrize("username", ["admin", "niemand", "sachbearbeitung3"])
def test_only_the_demo_members_and_clerks_are_personas(demo, username):
    admin = sign_in(demo, "admin").actor

    with pytest.raises(personas.UnknownPersona):
        act_as(demo, admin, username)


def test_outside_demo_mode_nobody_acts_as_a_persona(demo, production_mode):
    with session_scope(write=True, engine=demo) as session:
        admin = auth.login(session, username="admin", password=DEMO_PASSWORD).actor
    sessions_before = open_sessions(demo)

    with pytest.raises(personas.NotInDemoMode, match="nur im Demo-Modus"):
        act_as(demo, admin, "lena.basic")
    with session_scope(engine=demo) as session, pytest.raises(personas.NotInDemoMode):
        personas.demo_personas(session, admin=admin)

    assert open_sessions(demo) == sessions_before


def test_the_persona_list_shows_each_member_with_the_version_stored_now(demo):
    admin = sign_in(demo, "admin").actor

    with session_scope(engine=demo) as session:
        listed = personas.demo_personas(session, admin=admin)

    assert [p.username for p in listed] == [
        "lena.basic",
        "jonas.smart",
        "miriam.health",
        "deniz.familie",
        "sachbearbeitung",
        "sachbearbeitung2",
    ]
    assert [p.service_level for p in listed[:4]] == ["basic", "smart", "smarthealth", "smart"]
    assert listed[4].kvnr is None and listed[4].role == "clerk"


def _sick_note() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=20)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung")
    return bytes(document.output())


def _done(engine: Engine, admin: Actor, since) -> set[str]:
    with session_scope(engine=engine) as session:
        return tours.done_steps(session, admin=admin, since=since)


def test_the_sick_note_tour_ticks_sending_then_deciding(demo):
    signed_in = sign_in(demo, "admin")
    with session_scope(engine=demo) as session:
        since = personas.session_started(session, token=signed_in.token)
    lena = act_as(demo, signed_in.actor, "lena.basic").actor
    assert _done(demo, signed_in.actor, since) == set()

    request = documents.DocumentRequest(
        kvnr=LENA_KVNR,
        doc_type="au",
        files=[IncomingFile(name="au.pdf", data=_sick_note())],
    )
    with session_scope(write=True, engine=demo) as session:
        sent = documents.submit_document(session, actor=lena, request=request)
    assert _done(demo, signed_in.actor, since) == {"sick-note/send"}

    clerk = act_as(demo, signed_in.actor, "sachbearbeitung").actor
    with session_scope(write=True, engine=demo) as session:
        inbox.claim(session, actor=clerk, submission_id=sent.id)
        inbox.decide(
            session,
            actor=clerk,
            submission_id=sent.id,
            decision=inbox.Decision.QUERY,
            member_message="Bitte auch die Rückseite senden.",
        )
    assert _done(demo, signed_in.actor, since) == {
        "sick-note/send",
        "sick-note/decide",
        "clerk-day/claim",
    }


def test_what_a_persona_did_before_this_admin_session_does_not_count(demo):
    signed_in = sign_in(demo, "admin")
    jonas = act_as(demo, signed_in.actor, "jonas.smart").actor
    with session_scope(write=True, engine=demo) as session:
        preferences.set_app_communication(session, actor=jonas, enabled=True)
    assert "smart-profile/letters" in _done(demo, signed_in.actor, utcnow() - timedelta(hours=1))

    assert _done(demo, signed_in.actor, utcnow() + timedelta(seconds=1)) == set()


def test_every_tour_step_names_a_demo_persona_and_a_page_file():
    loaded = tours.load_tours()

    assert len(loaded) >= 8
    keys = [step.key for tour in loaded for step in tour.steps]
    assert len(keys) == len(set(keys))
    for tour in loaded:
        assert 1 <= len(tour.steps) <= 4, tour.key
        for step in tour.steps:
            assert step.page.startswith("pages/") and step.page.endswith(".py")
            assert step.persona in personas.ACTABLE
