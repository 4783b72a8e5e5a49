"""Login, lockout and logout as a person meets them in the portal."""

from core.seed import DEMO_PASSWORD
from tests.app.helpers import (
    errors,
    infos,
    login,
    open_portal,
    shown_text,
    shows_login_form,
    submit_login,
    titles,
)

WRONG = "Benutzername oder Passwort ist falsch."
LOCKED = (
    "Zu viele Fehlversuche. Die Anmeldung ist für einige Minuten gesperrt. "
    "Bitte versuchen Sie es später erneut."
)


def test_demo_persona_signs_in_and_lands_on_the_start_page():
    at = login("lena.basic")

    assert not at.exception
    assert titles(at) == ["Hallo Lena!"]
    assert errors(at) == []


def test_wrong_password_and_unknown_user_get_the_same_message():
    wrong_password = login("jonas.smart", "falsches-passwort")
    unknown_user = login("niemand.hier", "falsches-passwort")

    for at in (wrong_password, unknown_user):
        assert not at.exception
        assert errors(at) == [WRONG]
        assert shows_login_form(at)
        assert "hek_token" not in at.session_state


def test_fifth_wrong_password_locks_the_username_even_for_the_right_password():
    at = open_portal()
    for _ in range(4):
        submit_login(at, "sachbearbeitung2", "falsches-passwort")
        assert errors(at) == [WRONG]

    submit_login(at, "sachbearbeitung2", "falsches-passwort")
    assert errors(at) == [LOCKED]

    submit_login(at, "sachbearbeitung2", DEMO_PASSWORD)
    assert errors(at) == [LOCKED]
    assert "hek_token" not in at.session_state


def test_a_locked_username_does_not_lock_others():
    at = login("sachbearbeitung")

    assert errors(at) == []
    assert titles(at) == ["Back-Office"]


def test_logout_returns_to_the_login_form_with_a_notice():
    at = login("miriam.health")

    at.sidebar.button(key="logout").click().run()

    assert not at.exception
    assert infos(at) == ["Sie wurden abgemeldet."]
    assert shows_login_form(at)
    assert "Hallo Miriam!" not in shown_text(at)
    assert len(at.sidebar.button) == 0


def test_a_logged_out_session_token_cannot_be_replayed():
    at = login("miriam.health")
    token = at.session_state["hek_token"]
    at.sidebar.button(key="logout").click().run()

    at.session_state["hek_token"] = token
    at.run()

    assert infos(at) == ["Ihre Sitzung wurde beendet. Bitte melden Sie sich erneut an."]
    assert "Hallo Miriam!" not in shown_text(at)
