"""Sessions in the browser: the one-time hand-off to the cookie, the absolute lifetime, the
list of one's own sessions, and a device that only its own browser can confirm."""

from datetime import timedelta

import pytest
from sqlmodel import select

from core import auth, browser_sessions
from core.clock import utcnow
from core.errors import SessionEnded, SessionExpired
from core.identity import DeviceRefused, devices
from core.models.accounts import UserSession
from core.models.identity import RegisteredDevice
from core.settings import get_settings
from tests.factories import PASSWORD, make_account, make_member
from tests.service.test_devices import PIN, _identified


def _signed_in(session, username="erika", user_agent=None):
    make_account(session, username=username, member=make_member(session))
    check = auth.check_password(session, username=username, password=PASSWORD)
    return auth.record_login(session, check=check, user_agent=user_agent)


def test_a_hand_off_code_gives_a_fresh_token_once_and_the_old_token_stops_working(session):
    signed_in = _signed_in(session)
    code = browser_sessions.begin_handoff(session, token=signed_in.token)
    session.commit()

    cookie_token = browser_sessions.complete_handoff(session, code=code)
    assert cookie_token and cookie_token != signed_in.token
    assert auth.resume(session, token=cookie_token).username == "erika"
    assert browser_sessions.complete_handoff(session, code=code) is None  # replayed
    with pytest.raises(SessionEnded):
        auth.resume(session, token=signed_in.token)  # the token the script held is gone


def test_an_expired_or_forged_hand_off_code_gives_nothing(session):
    signed_in = _signed_in(session)
    code = browser_sessions.begin_handoff(session, token=signed_in.token)
    session.commit()
    later = utcnow() + timedelta(seconds=browser_sessions.HANDOFF_SECONDS + 1)

    assert browser_sessions.complete_handoff(session, code=code, now=later) is None
    assert browser_sessions.complete_handoff(session, code="x" * 43) is None
    assert browser_sessions.complete_handoff(session, code=code) is not None  # still in time


def test_a_session_ends_after_twelve_hours_however_active(session):
    signed_in = _signed_in(session)
    row = session.exec(select(UserSession)).one()
    start = row.created_at
    for minutes in range(10, 12 * 60, 10):  # active every 10 minutes: never idle
        assert auth.resume(session, token=signed_in.token, now=start + timedelta(minutes=minutes))

    with pytest.raises(SessionExpired, match="seit 12 Stunden"):
        auth.resume(session, token=signed_in.token, now=start + timedelta(hours=12, minutes=5))
    assert session.exec(select(UserSession)).one().end_reason == "lifetime"


def test_a_member_sees_their_sessions_and_ends_another_but_not_someone_elses(session):
    first = _signed_in(session, user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0")
    check = auth.check_password(session, username="erika", password=PASSWORD)
    second = auth.record_login(
        session, check=check, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/605"
    )
    stranger = _signed_in(session, username="fremd")

    listed = browser_sessions.open_sessions(session, actor=first.actor, current_token=first.token)
    assert [(read.browser, read.is_current) for read in listed] == [
        ("Chrome auf Linux", True),
        ("Safari auf iPhone", False),
    ]
    with pytest.raises(browser_sessions.SessionNotFound):
        browser_sessions.end_other_session(
            session,
            actor=first.actor,
            session_id=browser_sessions.open_sessions(
                session, actor=stranger.actor, current_token=stranger.token
            )[0].id,
        )
    assert auth.resume(session, token=stranger.token).username == "fremd"

    browser_sessions.end_other_session(session, actor=first.actor, session_id=listed[1].id)
    with pytest.raises(SessionEnded, match="anderen Browser"):
        auth.resume(session, token=second.token)
    assert auth.resume(session, token=first.token).username == "erika"


def test_the_browser_summary_never_carries_more_than_a_short_name():
    assert browser_sessions.describe_browser(None) == "Unbekannter Browser"
    assert browser_sessions.describe_browser("<script>alert(1)</script>" * 20) == (
        "Unbekannter Browser"
    )
    assert browser_sessions.describe_browser("Mozilla/5.0 (Linux; Android 15) Firefox/140") == (
        "Firefox auf Android"
    )


@pytest.fixture
def production_devices(monkeypatch):
    monkeypatch.setenv("HEK_DEMO_DEVICE_PIN_ANY_BROWSER", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_device_is_confirmed_only_in_the_browser_it_was_registered_in(
    session, production_devices
):
    actor, done = _identified(session)
    created = devices.register_device(
        session,
        actor=actor,
        identification_id=done.id,
        name="Laptop",
        pin=PIN,
        device_secret="browser-cookie-of-the-laptop",
    )
    device_id = created.device.id

    assert devices.recognised_device(session, actor=actor, device_secret="another-browser") is None
    with pytest.raises(DeviceRefused, match="nicht registriert"):
        devices.confirm_device(
            session, actor=actor, device_id=device_id, pin=PIN, device_secret="another-browser"
        )
    with pytest.raises(DeviceRefused):
        devices.confirm_device(session, actor=actor, device_id=device_id, pin=PIN, device_secret="")
    assert session.get(RegisteredDevice, device_id).pin_failures == 0  # no PIN was tried

    recognised = devices.recognised_device(
        session, actor=actor, device_secret="browser-cookie-of-the-laptop"
    )
    assert recognised.id == device_id
    confirmed = devices.confirm_device(
        session,
        actor=actor,
        device_id=device_id,
        pin=PIN,
        device_secret="browser-cookie-of-the-laptop",
    )
    assert confirmed.last_used_at is not None


def test_removing_a_device_ends_the_sessions_confirmed_with_it(session):
    actor, done = _identified(session)
    created = devices.register_device(
        session, actor=actor, identification_id=done.id, name="Laptop", pin=PIN
    )
    check = auth.check_password(session, username="erika", password=PASSWORD)
    on_laptop = auth.record_login(session, check=check)
    elsewhere = auth.record_login(session, check=check)
    browser_sessions.remember_confirmed_device(
        session, token=on_laptop.token, device_id=created.device.id
    )
    session.commit()

    devices.remove_device(session, actor=actor, device_id=created.device.id)

    with pytest.raises(SessionEnded, match="Gerät"):
        auth.resume(session, token=on_laptop.token)
    assert auth.resume(session, token=elsewhere.token).username == "erika"
