"""Passwort ändern: the policy in German, and a change that ends every session."""

from core.seed import DEMO_PASSWORD
from tests.app.helpers import (
    errors,
    infos,
    login,
    shown_text,
    shows_login_form,
    submit_login,
    titles,
)

SUBMIT = "FormSubmitter:change_password-Passwort ändern"
NEW_PASSWORD = "ein neues, langes Passwort"
CHANGED = "Ihr Passwort wurde geändert. Bitte melden Sie sich mit dem neuen Passwort an."


def _account_page(username: str):
    return login(username).switch_page("pages/account.py").run()


def _change(at, *, current: str, new: str, repeat: str | None = None):
    at.text_input(key="pw_current").input(current)
    at.text_input(key="pw_new").input(new)
    at.text_input(key="pw_repeat").input(new if repeat is None else repeat)
    return at.button(key=SUBMIT).click().run()


def test_nine_character_new_password_shows_the_policy():
    at = _change(_account_page("jonas.smart"), current=DEMO_PASSWORD, new="kurz12345")

    assert not at.exception
    assert errors(at) == ["Das Passwort muss mindestens 10 Zeichen lang sein."]
    assert titles(at) == ["Anmeldung & Sitzungen"]


def test_sixty_five_character_new_password_shows_the_policy():
    at = _change(_account_page("jonas.smart"), current=DEMO_PASSWORD, new="x" * 65)

    assert errors(at) == ["Das Passwort darf höchstens 64 Zeichen lang sein."]


def test_mismatched_repeat_is_refused():
    at = _change(
        _account_page("jonas.smart"),
        current=DEMO_PASSWORD,
        new=NEW_PASSWORD,
        repeat=NEW_PASSWORD + "!",
    )

    assert errors(at) == ["Die beiden neuen Passwörter stimmen nicht überein."]


def test_wrong_current_password_is_refused():
    at = _change(_account_page("jonas.smart"), current="nicht-das-alte", new=NEW_PASSWORD)

    assert errors(at) == ["Das bisherige Passwort ist falsch."]
    assert titles(at) == ["Anmeldung & Sitzungen"]


def test_refused_changes_keep_the_old_password():
    at = login("jonas.smart")

    assert errors(at) == []
    assert titles(at) == ["Hallo Jonas!"]


def test_valid_change_signs_out_every_session_and_only_the_new_password_works():
    other_session = login("deniz.familie")
    at = _change(_account_page("deniz.familie"), current=DEMO_PASSWORD, new=NEW_PASSWORD)

    assert not at.exception
    assert infos(at) == [CHANGED]
    assert shows_login_form(at)

    other_session.run()
    assert infos(other_session) == ["Ihre Sitzung wurde beendet. Bitte melden Sie sich erneut an."]
    assert shows_login_form(other_session)

    submit_login(at, "deniz.familie", DEMO_PASSWORD)
    assert errors(at) == ["Benutzername oder Passwort ist falsch."]

    submit_login(at, "deniz.familie", NEW_PASSWORD)
    assert errors(at) == []
    assert titles(at) == ["Anmeldung & Sitzungen"]  # the URL still names the account page


def test_a_member_sees_where_they_are_signed_in_and_ends_the_other_session():
    elsewhere = login("lena.basic")
    at = _account_page("lena.basic")

    sessions = [container for container in at.main if "account_session_" in str(container.key)]
    labels = [caption for caption in shown_text(at).splitlines() if "Browser" in caption]
    assert len(sessions) >= 2
    assert "**Unbekannter Browser (diese Sitzung)**" in labels  # AppTest sends no User-Agent
    end_buttons = [button for button in at.button if str(button.key).startswith("account_end_")]
    assert len(end_buttons) == len(sessions) - 1  # never for this session

    for button in end_buttons:
        at = button.click().run()
    assert "Die Sitzung wurde beendet." in infos(at)
    assert titles(at) == ["Anmeldung & Sitzungen"]  # this session goes on

    elsewhere.run()
    assert shows_login_form(elsewhere)
    assert infos(elsewhere) == ["Diese Sitzung wurde von einem anderen Browser aus beendet."]
