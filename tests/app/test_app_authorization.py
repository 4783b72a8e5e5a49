"""Page-level authorization (issue #9): what each role reaches through Home.py's routing.

test_app_screens covers a signed-in persona typing the URL of another role's screen. Here:
a visitor without login on every screen, a clerk deactivated while signed in, the level
gates inside a signed-in session, and another member's object held as a page's selection.
Each case has its positive control in the same parametrization.
"""

import itertools

import pytest
from sqlmodel import Session, func, select

from core import accounts, auth, letters, messenger, preferences
from core.db import session_scope
from core.letter_templates import letter_templates
from core.models.accounts import Role, UserAccount, UserSession
from core.models.audit import AuditEntry
from tests.app.helpers import errors, infos, login, open_portal, shown_text, shows_login_form
from tests.app.helpers import titles as headings
from tests.factories import PASSWORD, make_account
from ui.registry import SCREENS, Screen, available_screens, may_open

MEMBER_LEVELS = {"lena.basic": "basic", "jonas.smart": "smart", "miriam.health": "smarthealth"}
HEADINGS = {"clerk_home": "Back-Office"}  # a start page's heading is not its title
NOT_FOR_YOU = "Dieses Schreiben gibt es nicht oder es gehört nicht zu Ihnen."
_accounts = itertools.count(1)


def _audit_entries(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


def _params(cases, name) -> list:
    return [pytest.param(*case, id=name(*case)) for case in cases]


# --- a visitor without login ------------------------------------------------------------


@pytest.mark.parametrize("screen", available_screens(), ids=lambda screen: screen.url_path)
def test_a_visitor_sees_only_public_screens_and_the_login_form_everywhere_else(
    portal_db, screen: Screen
):
    before = _audit_entries(portal_db)

    at = open_portal(screen.path)

    assert not at.exception
    assert errors(at) == []
    if screen.public:  # the positive control: these open without login
        assert screen.title in headings(at)
        assert not shows_login_form(at)
    else:
        assert shows_login_form(at)
        assert screen.title not in headings(at)
        assert _audit_entries(portal_db) == before  # nobody to audit, nothing read


# --- a clerk deactivated while signed in --------------------------------------------------


def _admin(engine):
    with session_scope(engine=engine) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == "admin")).one()
        return auth.actor_for(session, account)


def _new_clerk(engine) -> str:
    with session_scope(write=True, engine=engine) as session:
        return make_account(
            session, username=f"aushilfe{next(_accounts)}", role=Role.CLERK
        ).username


CLERK_SCREENS = [
    screen
    for screen in available_screens()
    if not screen.public and may_open(screen, role=Role.CLERK, service_level=None)
]


@pytest.mark.parametrize("screen", CLERK_SCREENS, ids=lambda screen: screen.url_path)
def test_a_clerk_deactivated_while_signed_in_is_refused_on_the_next_action(
    portal_db, screen: Screen
):
    username = _new_clerk(portal_db)
    at = login(username, PASSWORD).switch_page(screen.path).run()
    assert HEADINGS.get(screen.url_path, screen.title) in headings(at)  # works until now
    assert not shows_login_form(at)
    user_id = at.session_state["hek_actor"].user_id

    with session_scope(write=True, engine=portal_db) as session:
        accounts.set_account_active(session, actor=_admin(portal_db), user_id=user_id, active=False)
    at.run()  # the clerk's next click

    assert not at.exception
    assert shows_login_form(at)
    assert screen.title not in headings(at)
    assert infos(at) == ["Ihr Zugang wurde deaktiviert. Bitte wenden Sie sich an die HEK."]
    with Session(portal_db) as session:
        reasons = session.exec(select(UserSession.end_reason).where(UserSession.user_id == user_id))
        assert set(reasons.all()) == {"deactivated"}


# --- level gates inside a signed-in session -----------------------------------------------

LEVEL_SCREENS = [screen for screen in SCREENS if screen.min_level != "basic"]


@pytest.mark.parametrize(
    ("username", "screen"),
    _params(
        itertools.product(MEMBER_LEVELS, LEVEL_SCREENS),
        lambda username, screen: f"{username}-{screen.url_path}",
    ),
)
def test_a_member_below_a_screens_level_cannot_switch_to_it_in_the_session(
    username: str, screen: Screen
):
    at = login(username)
    allowed = may_open(screen, role=Role.MEMBER, service_level=MEMBER_LEVELS[username])

    if allowed:  # the positive control: the same switch by a member of that level
        at.switch_page(screen.path).run()
        assert screen.title in headings(at)
        assert errors(at) == []
    else:  # the page's script is not registered for this session: no switch reaches it
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(screen.path)


# --- another member's object as a page's selection --------------------------------------


# Deniz's object, read by Deniz (the positive control) and by Jonas.
OWN_AND_ANOTHER_MEMBERS = pytest.mark.parametrize(
    ("reader", "owner"),
    [("deniz.familie", "deniz.familie"), ("jonas.smart", "deniz.familie")],
    ids=["own", "another-members"],
)


def _member_actor(session, username: str):
    account = session.exec(select(UserAccount).where(UserAccount.username == username)).one()
    return auth.actor_for(session, account)


@pytest.fixture(scope="module")
def letters_to(portal_db) -> dict[str, tuple[int, str]]:
    """One Postfach letter each to jonas.smart and deniz.familie: (letter id, subject)."""
    template = letter_templates()["bestaetigung_mitgliedschaft"]
    sent = {}
    with session_scope(write=True, engine=portal_db) as session:
        clerk = _member_actor(session, "sachbearbeitung")
        for username in ("jonas.smart", "deniz.familie"):
            member = _member_actor(session, username)
            preferences.set_app_communication(session, actor=member, enabled=True)
            subject = f"Vertraulich für {username}"
            letter = letters.send_letter(
                session,
                actor=clerk,
                member_id=member.member_id,
                template_key=template.key,
                subject=subject,
                body=template.body,
            )
            sent[username] = (letter.id, subject)
    return sent


@OWN_AND_ANOTHER_MEMBERS
def test_a_letter_held_as_the_postbox_selection_opens_only_for_its_member(
    letters_to, reader: str, owner: str
):
    letter_id, subject = letters_to[owner]
    at = login(reader)
    # A selection left in the browser session, e.g. by an admin acting as another persona.
    at.session_state["postbox_letter"] = letter_id
    at.switch_page("pages/member_postbox.py").run()

    assert not at.exception
    if reader == owner:
        assert subject in shown_text(at)
        assert errors(at) == []
    else:
        assert subject not in shown_text(at)
        assert errors(at) == [NOT_FOR_YOU]


@OWN_AND_ANOTHER_MEMBERS
def test_a_conversation_held_as_the_messenger_selection_opens_only_for_its_member(
    portal_db, reader: str, owner: str
):
    body = f"Nur für {owner}: Nachricht {next(_accounts)}"
    with session_scope(write=True, engine=portal_db) as session:
        started = messenger.start_conversation(
            session, actor=_member_actor(session, owner), subject="Privat", body=body
        )
    at = login(reader)
    at.session_state["conversation_id"] = started.id
    at.switch_page("pages/member_messenger.py").run()

    assert not at.exception
    shown = [element.value for element in at.text] + shown_text(at).splitlines()
    assert (body in shown) == (reader == owner)


# --- an admin acting as a persona ----------------------------------------------------------


def test_returning_from_a_persona_ends_its_smarthealth_state_in_the_browser_session():
    at = login("admin").switch_page("pages/admin_personas.py").run()
    at.button(key="act_as_miriam.health").click().run()
    assert at.session_state["hek_actor"].username == "miriam.health"
    # What an unlocked record leaves in the session (ui/health_state.py): key and entries.
    at.session_state["health_unlocked"] = "Miriams Schlüssel"
    at.session_state["health_timeline"] = "Miriams Einträge"
    at.run()
    assert at.session_state["health_unlocked"] == "Miriams Schlüssel"  # kept while acting

    at.button(key="persona_back").click().run()

    assert at.session_state["hek_actor"].username == "admin"
    assert not [key for key in at.session_state if str(key).startswith("health_")]
