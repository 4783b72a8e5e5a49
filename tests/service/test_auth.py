"""Login, lockout and server-side sessions, on SQLite and PostgreSQL."""

from datetime import timedelta

import bcrypt
import pytest

from core import auth
from core.clock import utcnow
from core.errors import AccountLocked, LoginRefused, SessionEnded, SessionExpired
from core.models.accounts import Role
from tests.factories import PASSWORD, make_account, make_member

WRONG = "falsches-passwort"


@pytest.fixture
def member_actor(session):
    return make_account(session, username="erika", member=make_member(session))


def test_right_password_opens_a_session_that_resumes(session, member_actor):
    signed_in = auth.login(session, username="Erika ", password=PASSWORD)
    assert signed_in.actor.member_id == member_actor.member_id
    assert auth.resume(session, token=signed_in.token).username == "erika"


def test_wrong_password_and_unknown_user_get_the_same_message(session, member_actor):
    with pytest.raises(LoginRefused) as wrong:
        auth.login(session, username="erika", password=WRONG)
    with pytest.raises(LoginRefused) as unknown:
        auth.login(session, username="niemand", password=WRONG)
    assert wrong.value.message == unknown.value.message == "Benutzername oder Passwort ist falsch."
    assert type(wrong.value) is type(unknown.value) is LoginRefused


def test_unknown_user_costs_a_bcrypt_check_like_a_known_one(session, member_actor, monkeypatch):
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: calls.append(h) or real(pw, h))
    for username in ("erika", "niemand"):
        with pytest.raises(LoginRefused):
            auth.login(session, username=username, password=WRONG)
    assert len(calls) == 2
    assert calls[0][:7] == calls[1][:7]  # same bcrypt variant and cost


def test_five_failures_lock_the_account_even_for_the_right_password(session, member_actor):
    for _ in range(4):
        with pytest.raises(LoginRefused):
            auth.login(session, username="erika", password=WRONG)
    with pytest.raises(AccountLocked, match="Zu viele Fehlversuche"):
        auth.login(session, username="erika", password=WRONG)
    with pytest.raises(AccountLocked):
        auth.login(session, username="erika", password=PASSWORD)


def test_unknown_usernames_lock_the_same_way_so_lockout_reveals_nothing(session):
    for _ in range(4):
        with pytest.raises(LoginRefused):
            auth.login(session, username="gibtsnicht", password=WRONG)
    with pytest.raises(AccountLocked):
        auth.login(session, username="gibtsnicht", password=WRONG)


def test_lock_ends_after_its_time_and_success_resets_the_count(session, member_actor):
    start = utcnow()
    for _ in range(5):
        with pytest.raises(LoginRefused):
            auth.login(session, username="erika", password=WRONG, now=start)
    later = start + timedelta(minutes=16)
    assert auth.login(session, username="erika", password=PASSWORD, now=later).token
    with pytest.raises(LoginRefused) as again:
        auth.login(session, username="erika", password=WRONG, now=later)
    assert not isinstance(again.value, AccountLocked)


def test_overlong_password_is_refused_not_crashing_bcrypt(session, member_actor):
    with pytest.raises(LoginRefused):
        auth.login(session, username="erika", password="ä" * 100)


def test_logout_ends_the_session_server_side(session, member_actor):
    token = auth.login(session, username="erika", password=PASSWORD).token
    auth.logout(session, token=token)
    with pytest.raises(SessionEnded):
        auth.resume(session, token=token)


def test_deactivation_ends_open_sessions_on_their_next_rerun(session):
    admin = make_account(session, username="chefin", role=Role.ADMIN)
    make_account(session, username="clerk", role=Role.CLERK)
    token = auth.login(session, username="clerk", password=PASSWORD).token
    clerk_id = auth.resume(session, token=token).user_id
    auth.set_active(session, actor=admin, user_id=clerk_id, active=False)
    with pytest.raises(SessionEnded):
        auth.resume(session, token=token)
    with pytest.raises(LoginRefused):
        auth.login(session, username="clerk", password=PASSWORD)


def test_password_change_ends_every_session_and_the_new_password_works(session, member_actor):
    first = auth.login(session, username="erika", password=PASSWORD).token
    second = auth.login(session, username="erika", password=PASSWORD).token
    auth.change_password(session, actor=member_actor, current=PASSWORD, new="ein-neues-passwort")
    for token in (first, second):
        with pytest.raises(SessionEnded):
            auth.resume(session, token=token)
    assert auth.login(session, username="erika", password="ein-neues-passwort").token


def test_idle_session_expires_with_its_own_message(session, member_actor):
    signed_in = auth.login(session, username="erika", password=PASSWORD)
    with pytest.raises(SessionExpired, match="Inaktivität"):
        auth.resume(session, token=signed_in.token, now=utcnow() + timedelta(minutes=16))
    with pytest.raises(SessionEnded):
        auth.resume(session, token=signed_in.token)


def test_activity_keeps_the_session_alive(session, member_actor):
    signed_in = auth.login(session, username="erika", password=PASSWORD)
    now = utcnow()
    for minutes in (10, 20, 30):
        auth.resume(session, token=signed_in.token, now=now + timedelta(minutes=minutes))


def test_unknown_token_is_refused(session):
    with pytest.raises(SessionEnded):
        auth.resume(session, token="erfunden")


def test_a_password_changed_between_check_and_sign_in_refuses_the_old_password(
    session, member_actor
):
    # The portal compares the password in a read session (no write lock during bcrypt) and
    # records the login in a second one; the second must not trust a stale comparison.
    check = auth.check_password(session, username="erika", password=PASSWORD)
    auth.change_password(session, actor=member_actor, current=PASSWORD, new="ein-neues-passwort")
    with pytest.raises(LoginRefused):
        auth.record_login(session, check=check)


def test_a_deactivation_between_check_and_sign_in_refuses_the_login(session):
    admin = make_account(session, username="chefin", role=Role.ADMIN)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    check = auth.check_password(session, username="clerk", password=PASSWORD)
    auth.set_active(session, actor=admin, user_id=clerk.user_id, active=False)
    with pytest.raises(LoginRefused):
        auth.record_login(session, check=check)


def test_read_only_resume_answers_without_writing_until_a_touch_is_due(session, member_actor):
    signed_in = auth.login(session, username="erika", password=PASSWORD)
    now = utcnow()
    fresh = auth.resume(session, token=signed_in.token, now=now, read_only=True)
    assert fresh.username == "erika"
    assert not session.dirty and not session.new
    # after the touch interval a write is due: read-only says so instead of writing
    later = now + timedelta(minutes=1)
    assert auth.resume(session, token=signed_in.token, now=later, read_only=True) is None
    assert auth.resume(session, token=signed_in.token, now=later).username == "erika"
    assert auth.resume(session, token=signed_in.token, now=later, read_only=True) is not None
    # an idle session is still ended (and said so) by the write that follows
    idle = later + timedelta(minutes=16)
    assert auth.resume(session, token=signed_in.token, now=idle, read_only=True) is None
    with pytest.raises(SessionExpired):
        auth.resume(session, token=signed_in.token, now=idle)
