"""Identification through the (simulated) Nect Wallet: Robo-Ident, eID, forgotten password."""

from datetime import timedelta

import pytest
from sqlmodel import select

from core import auth, identity
from core.clock import utcnow
from core.errors import InvalidKvnr, LoginRefused, NotAllowed, SessionEnded
from core.identity import (
    Evidence,
    IdentificationFailed,
    IdentificationRefused,
    IdentificationUnavailable,
    StartRequest,
    Step,
    StepRefused,
)
from core.models.accounts import LoginThrottle, Role, UserSession
from core.models.banking import BankAccount
from core.models.documents import Submission
from core.models.family import FamilyMember
from core.models.identity import Identification, IdentificationPurpose
from core.models.letters import Letter
from core.models.people import Member
from core.models.preferences import MemberPreference
from core.uploads import IncomingFile
from tests.factories import PASSWORD, make_account, make_member
from tests.hostile_files import jpeg, one_page_pdf

CARD = IncomingFile(name="ausweis.jpg", data=jpeg((640, 400)))
VIDEO = IncomingFile(name="selfie.mp4", data=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
NEW_PASSWORD = "mein neues langes Passwort"


def _member_and_actor(session, username="erika", level="basic"):
    member = make_member(session, service_level=level)
    return member, make_account(session, username=username, member=member)


def _request(member, procedure="eid", **overrides) -> StartRequest:
    values = {
        "procedure": procedure,
        "consent": True,
        "name": f"{member.first_name} {member.last_name}",
        "kvnr": member.kvnr,
    }
    values.update(overrides)
    return StartRequest(**values)


def _step(session, state, step, **evidence):
    return identity.submit_step(
        session,
        identification_id=state.id,
        member_id=state.member_id,
        step=step,
        evidence=Evidence(**evidence),
    )


def _robo(session, state):
    state = _step(session, state, Step.ID_FRONT, upload=CARD)
    state = _step(session, state, Step.ID_BACK, upload=CARD)
    return _step(
        session, state, Step.SELFIE, upload=VIDEO, words_read=" ".join(state.challenge_words)
    )


def _eid(session, state, pin="482915"):
    state = _step(session, state, Step.ID_FRONT, upload=CARD)
    state = _step(session, state, Step.EID_PIN, card_held=True, pin=pin)
    return _step(session, state, Step.EID_RESCAN, card_held=True)


def _start(session, actor, member, procedure, **kwargs):
    return identity.start_identification(
        session, actor=actor, request=_request(member, procedure), **kwargs
    )


def _level(session, member) -> str:
    session.expire_all()
    return session.get(Member, member.id).service_level


def test_robo_ident_in_three_steps_raises_a_basic_member_to_smart_only(session):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "robo")
    assert state.steps == (Step.ID_FRONT, Step.ID_BACK, Step.SELFIE)
    assert len(state.challenge_words) == 2

    done = _robo(session, state)

    assert done.succeeded and done.level_reached == "smart" and done.completed_at
    assert _level(session, member) == "smart"
    assert identity.can_activate_smarthealth(session, member.id) is False


def test_eid_raises_to_smart_and_unlocks_smarthealth_without_activating_it(session):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "eid")
    assert state.steps == (Step.ID_FRONT, Step.EID_PIN, Step.EID_RESCAN)
    assert state.challenge_words is None

    done = _eid(session, state)

    assert done.succeeded and done.level_reached == "smarthealth_ready"
    assert _level(session, member) == "smart"
    assert identity.can_activate_smarthealth(session, member.id) is True


def test_smarthealth_can_be_marked_active_after_eid_only(session):
    robo_member, robo_actor = _member_and_actor(session, "robo")
    _robo(session, _start(session, robo_actor, robo_member, "robo"))
    with pytest.raises(NotAllowed):
        identity.mark_smarthealth_active(session, member_id=robo_member.id)
    session.rollback()

    eid_member, eid_actor = _member_and_actor(session, "eid")
    _eid(session, _start(session, eid_actor, eid_member, "eid"))
    identity.mark_smarthealth_active(session, member_id=eid_member.id)
    session.commit()  # the caller's commit

    assert _level(session, eid_member) == "smarthealth"
    assert _level(session, robo_member) == "smart"


def test_a_smart_member_cannot_use_robo_ident_again_but_may_add_eid_for_smarthealth(session):
    member, actor = _member_and_actor(session, level="smart")
    with pytest.raises(IdentificationRefused, match="Robo-Ident reicht dafür nicht aus"):
        _start(session, actor, member, "robo")
    assert identity.can_activate_smarthealth(session, member.id) is False

    _eid(session, _start(session, actor, member, "eid"))

    assert identity.can_activate_smarthealth(session, member.id) is True
    with pytest.raises(IdentificationRefused, match="bereits mit eID identifiziert"):
        _start(session, actor, member, "eid")


def test_level_never_drops_for_a_smarthealth_member(session):
    member, actor = _member_and_actor(session, level="smarthealth")
    _eid(session, _start(session, actor, member, "eid"))
    assert _level(session, member) == "smarthealth"


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"consent": False}, IdentificationRefused, "Datenschutzerklärung zu"),
        ({"name": "Max Mustermann"}, IdentificationRefused, "stimmen nicht mit Ihrem Konto"),
        ({"kvnr": "A123456780"}, IdentificationRefused, "stimmen nicht mit Ihrem Konto"),
        ({"kvnr": "A123456789"}, InvalidKvnr, "Prüfziffer"),
        ({"procedure": "video"}, IdentificationRefused, "Bitte wählen Sie ein Verfahren"),
    ],
    ids=["no-consent", "other-name", "other-kvnr", "bad-check-digit", "no-procedure"],
)
def test_start_needs_consent_the_members_own_name_and_kvnr(session, overrides, error, message):
    member, actor = _member_and_actor(session)
    with pytest.raises(error, match=message):
        identity.start_identification(
            session, actor=actor, request=_request(member, **{"procedure": "eid", **overrides})
        )


def test_name_is_matched_ignoring_case_spacing_and_the_comma_form(session):
    member, actor = _member_and_actor(session)
    for name in ("  erika   BEISPIEL ", "Beispiel, Erika"):
        state = identity.start_identification(
            session, actor=actor, request=_request(member, "eid", name=name)
        )
        assert state.running


def test_staff_cannot_start_an_identification(session):
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    member = make_member(session)
    with pytest.raises(NotAllowed):
        _start(session, clerk, member, "eid")


def test_wrong_card_pin_is_refused_with_tries_left_and_the_step_can_be_retried(session):
    member, actor = _member_and_actor(session)
    state = _step(session, _start(session, actor, member, "eid"), Step.ID_FRONT, upload=CARD)

    with pytest.raises(StepRefused, match="noch 2 Versuche") as wrong:
        _step(session, state, Step.EID_PIN, card_held=True, pin="000000")
    assert wrong.value.code == "wrong_pin"
    state = identity.identification_state(session, identification_id=state.id, member_id=member.id)
    assert state.running and state.pin_tries_left == 2 and state.current_step == Step.EID_PIN

    state = _step(session, state, Step.EID_PIN, card_held=True, pin="482915")
    state = _step(session, state, Step.EID_RESCAN, card_held=True)
    assert state.succeeded


def test_third_wrong_card_pin_blocks_the_card_and_ends_the_attempt(session):
    member, actor = _member_and_actor(session)
    state = _step(session, _start(session, actor, member, "eid"), Step.ID_FRONT, upload=CARD)
    with pytest.raises(StepRefused, match="noch 2 Versuche"):
        _step(session, state, Step.EID_PIN, card_held=True, pin="000000")
    with pytest.raises(StepRefused, match="noch 1 Versuch"):
        _step(session, state, Step.EID_PIN, card_held=True, pin="000000")

    with pytest.raises(IdentificationFailed, match="Ausweis ist jetzt gesperrt") as blocked:
        _step(session, state, Step.EID_PIN, card_held=True, pin="000000")

    assert blocked.value.code == "card_blocked"
    state = identity.identification_state(session, identification_id=state.id, member_id=member.id)
    assert state.failed and state.failure_reason == "card_blocked" and state.failure_message
    with pytest.raises(IdentificationFailed):
        _step(session, state, Step.EID_PIN, card_held=True, pin="482915")
    assert _level(session, member) == "basic"
    # a new attempt (after unblocking the card with its PUK) may start
    assert _eid(session, _start(session, actor, member, "eid")).succeeded


@pytest.mark.parametrize(
    ("pin", "code"), [("12345", "transport_pin"), ("12a456", "pin_format"), ("", "pin_format")]
)
def test_a_pin_of_the_wrong_shape_is_explained_and_not_counted(session, pin, code):
    member, actor = _member_and_actor(session)
    state = _step(session, _start(session, actor, member, "eid"), Step.ID_FRONT, upload=CARD)

    with pytest.raises(StepRefused) as refused:
        _step(session, state, Step.EID_PIN, card_held=True, pin=pin)

    assert refused.value.code == code
    state = identity.identification_state(session, identification_id=state.id, member_id=member.id)
    assert state.pin_failures == 0 and state.failure_reason == code


def test_each_card_scan_needs_the_card_at_the_phone(session):
    member, actor = _member_and_actor(session)
    state = _step(session, _start(session, actor, member, "eid"), Step.ID_FRONT, upload=CARD)
    with pytest.raises(StepRefused, match="Ausweis wurde nicht erkannt"):
        _step(session, state, Step.EID_PIN, card_held=False, pin="482915")
    state = _step(session, state, Step.EID_PIN, card_held=True, pin="482915")
    with pytest.raises(StepRefused, match="Ausweis wurde nicht erkannt"):
        _step(session, state, Step.EID_RESCAN, card_held=False)
    assert _step(session, state, Step.EID_RESCAN, card_held=True).succeeded


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (None, "missing_file"),
        (IncomingFile(name="ausweis.pdf", data=one_page_pdf()), "unsupported_type"),
        (IncomingFile(name="ausweis.jpg", data=jpeg((320, 200))), "card_not_readable"),
        (IncomingFile(name="ausweis.jpg", data=b"\xff\xd8\xff\xe0 not really"), "broken_file"),
    ],
    ids=["nothing", "pdf", "too-small", "broken"],
)
def test_a_card_image_that_cannot_show_the_card_is_refused_and_can_be_retaken(
    session, upload, code
):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "robo")

    with pytest.raises(StepRefused) as refused:
        _step(session, state, Step.ID_FRONT, upload=upload)

    assert refused.value.code == code and refused.value.message
    assert _step(session, state, Step.ID_FRONT, upload=CARD).current_step == Step.ID_BACK


def test_selfie_needs_the_two_words_shown_in_order_and_a_video_or_photo(session):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "robo")
    state = _step(session, state, Step.ID_FRONT, upload=CARD)
    state = _step(session, state, Step.ID_BACK, upload=CARD)
    first, second = state.challenge_words

    with pytest.raises(StepRefused, match="Wörter stimmen nicht"):
        _step(session, state, Step.SELFIE, upload=VIDEO, words_read=f"{second} {first}")
    with pytest.raises(StepRefused, match="kurzes Video"):
        pdf = IncomingFile(name="selfie.pdf", data=one_page_pdf())
        _step(session, state, Step.SELFIE, upload=pdf, words_read=f"{first} {second}")

    photo = IncomingFile(name="selfie.jpg", data=jpeg((480, 640)))
    done = _step(
        session, state, Step.SELFIE, upload=photo, words_read=f" {first.lower()}, {second}"
    )
    assert done.succeeded


def test_steps_are_taken_in_order(session):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "robo")
    with pytest.raises(StepRefused) as refused:
        _step(session, state, Step.ID_BACK, upload=CARD)
    assert refused.value.code == "out_of_order"


@pytest.mark.parametrize(("minutes", "expired"), [(30, False), (31, True)])
def test_an_attempt_expires_after_thirty_minutes(session, minutes, expired):
    member, actor = _member_and_actor(session)
    state = _start(session, actor, member, "robo")
    later = state.started_at + timedelta(minutes=minutes)

    if expired:
        with pytest.raises(IdentificationFailed, match="30 Minuten"):
            identity.submit_step(
                session,
                identification_id=state.id,
                member_id=member.id,
                step=Step.ID_FRONT,
                evidence=Evidence(upload=CARD),
                now=later,
            )
    else:
        identity.submit_step(
            session,
            identification_id=state.id,
            member_id=member.id,
            step=Step.ID_FRONT,
            evidence=Evidence(upload=CARD),
            now=later,
        )
    state = identity.identification_state(session, identification_id=state.id, member_id=member.id)
    assert state.failed is expired


def test_a_new_attempt_ends_the_running_one_and_cancel_ends_it_too(session):
    member, actor = _member_and_actor(session)
    first = _start(session, actor, member, "robo")
    second = _start(session, actor, member, "eid")

    old = identity.identification_state(session, identification_id=first.id, member_id=member.id)
    assert old.failed and old.failure_reason == "superseded"
    identity.cancel_identification(session, identification_id=second.id, member_id=member.id)
    new = identity.identification_state(session, identification_id=second.id, member_id=member.id)
    assert new.failed and new.failure_message == "Sie haben die Identifizierung abgebrochen."


def test_another_member_cannot_drive_my_attempt(session):
    member, actor = _member_and_actor(session)
    other, _ = _member_and_actor(session, "other")
    state = _start(session, actor, member, "robo")
    with pytest.raises(NotAllowed):
        identity.submit_step(
            session,
            identification_id=state.id,
            member_id=other.id,
            step=Step.ID_FRONT,
            evidence=Evidence(upload=CARD),
        )


def test_no_image_video_or_pin_is_stored(session):
    member, actor = _member_and_actor(session)
    _eid(session, _start(session, actor, member, "eid"), pin="482915")
    row = session.exec(select(Identification)).one()
    stored = " ".join(str(value) for value in row.model_dump().values())
    assert "482915" not in stored


def test_the_simulation_is_refused_outside_demo_mode(session, monkeypatch):
    class Production:
        demo_mode = False

    monkeypatch.setattr("core.identity.service.get_settings", lambda: Production())
    member, actor = _member_and_actor(session)
    with pytest.raises(IdentificationUnavailable):
        _start(session, actor, member, "eid")


# Forgotten password (FAQ: a new identification; the smart data is not lost)


def _smart_data(session, member, actor) -> dict[str, int]:
    now = utcnow()
    session.add(
        FamilyMember(
            owner_member_id=member.id,
            first_name="Kim",
            last_name="Beispiel",
            kvnr=make_member(session).kvnr,
            relation="Kind",
            created_at=now,
        )
    )
    session.add(
        Submission(
            tracking_id="HEK-RESET-0001",
            member_id=member.id,
            doc_type="rechnung",
            page_count=1,
            size=100,
            created_at=now,
            updated_at=now,
        )
    )
    session.add(
        BankAccount(
            member_id=member.id,
            iban="DE89370400440532013000",
            account_holder="Erika Beispiel",
            valid_from=now.date(),
            created_at=now,
        )
    )
    session.add(
        Letter(
            member_id=member.id,
            direction="out",
            channel="app",
            subject="Ihre Bescheinigung",
            author_user_id=actor.user_id,
            created_at=now,
        )
    )
    session.add(MemberPreference(member_id=member.id, app_communication=True, updated_at=now))
    session.commit()
    return _counts(session, member)


def _counts(session, member) -> dict[str, int]:
    return {
        table.__name__: len(session.exec(select(table).where(column == member.id)).all())
        for table, column in (
            (FamilyMember, FamilyMember.owner_member_id),
            (Submission, Submission.member_id),
            (BankAccount, BankAccount.member_id),
            (Letter, Letter.member_id),
            (MemberPreference, MemberPreference.member_id),
        )
    }


def _reset_request(member, username="erika", procedure="eid", **overrides) -> StartRequest:
    values = {"procedure": procedure, "consent": True, "kvnr": member.kvnr, "username": username}
    values.update(overrides)
    return StartRequest(**values)


def _identified_for_reset(session, member, username="erika", procedure="eid"):
    state = identity.start_password_reset(
        session, request=_reset_request(member, username, procedure)
    )
    assert state.purpose == IdentificationPurpose.PASSWORD_RESET
    return _eid(session, state) if procedure == "eid" else _robo(session, state)


@pytest.mark.parametrize("procedure", ["eid", "robo"])
def test_forgotten_password_sets_a_new_one_ends_all_sessions_and_keeps_smart_data(
    session, procedure
):
    member, actor = _member_and_actor(session, level="smart")
    before = _smart_data(session, member, actor)
    tokens = [auth.login(session, username="erika", password=PASSWORD).token for _ in range(2)]

    done = _identified_for_reset(session, member, procedure=procedure)
    identity.reset_password(
        session, identification_id=done.id, username="erika", new_password=NEW_PASSWORD
    )

    for token in tokens:
        with pytest.raises(SessionEnded):
            auth.resume(session, token=token)
    reasons = set(session.exec(select(UserSession.end_reason)).all())
    assert reasons == {"password_reset"}
    with pytest.raises(LoginRefused):
        auth.login(session, username="erika", password=PASSWORD)
    assert auth.login(session, username="erika", password=NEW_PASSWORD).actor.member_id == member.id
    session.expire_all()
    assert _counts(session, member) == before == dict.fromkeys(before, 1)
    assert _level(session, member) == "smart"


@pytest.mark.parametrize(
    "overrides",
    [{"username": "niemand"}, {"kvnr": "A123456780"}, {"consent": False}],
    ids=["unknown-user", "other-kvnr", "no-consent"],
)
def test_reset_refuses_a_username_and_kvnr_that_do_not_belong_together(session, overrides):
    member, _ = _member_and_actor(session)
    with pytest.raises(IdentificationRefused):
        request = _reset_request(member, **{"username": "erika", **overrides})
        identity.start_password_reset(session, request=request)


def test_reset_is_not_offered_for_staff_or_deactivated_accounts(session):
    member, actor = _member_and_actor(session)
    auth.set_active(session, actor=actor, user_id=actor.user_id, active=False)
    with pytest.raises(IdentificationRefused):
        identity.start_password_reset(session, request=_reset_request(member, "erika"))
    make_account(session, username="clerk", role=Role.CLERK)
    with pytest.raises(IdentificationRefused):
        identity.start_password_reset(session, request=_reset_request(member, "clerk"))


def test_a_reset_identification_works_once(session):
    member, _ = _member_and_actor(session)
    done = _identified_for_reset(session, member)
    identity.reset_password(
        session, identification_id=done.id, username="erika", new_password=NEW_PASSWORD
    )
    with pytest.raises(IdentificationRefused, match="schon verwendet"):
        identity.reset_password(
            session, identification_id=done.id, username="erika", new_password="noch ein Passwort"
        )


@pytest.mark.parametrize(("minutes", "usable"), [(15, True), (16, False)])
def test_a_reset_identification_is_usable_for_fifteen_minutes(session, minutes, usable):
    member, _ = _member_and_actor(session)
    done = _identified_for_reset(session, member)
    later = done.completed_at + timedelta(minutes=minutes)

    def reset():
        identity.reset_password(
            session,
            identification_id=done.id,
            username="erika",
            new_password=NEW_PASSWORD,
            now=later,
        )

    if usable:
        reset()
    else:
        with pytest.raises(IdentificationRefused, match="abgelaufen"):
            reset()


def test_a_weak_new_password_is_refused_and_the_identification_stays_usable(session):
    member, _ = _member_and_actor(session)
    done = _identified_for_reset(session, member)
    with pytest.raises(Exception, match="mindestens 10 Zeichen"):
        identity.reset_password(
            session, identification_id=done.id, username="erika", new_password="kurz"
        )
    session.rollback()
    identity.reset_password(
        session, identification_id=done.id, username="erika", new_password=NEW_PASSWORD
    )


def test_a_reset_identification_cannot_reset_another_account(session):
    member, _ = _member_and_actor(session)
    _member_and_actor(session, "other")
    done = _identified_for_reset(session, member)
    with pytest.raises(NotAllowed):
        identity.reset_password(
            session, identification_id=done.id, username="other", new_password=NEW_PASSWORD
        )


def test_a_reset_lifts_the_login_lockout(session):
    member, _ = _member_and_actor(session)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            auth.login(session, username="erika", password="falsch-falsch")
    assert session.get(LoginThrottle, "erika").locked_until is not None

    done = _identified_for_reset(session, member)
    identity.reset_password(
        session, identification_id=done.id, username="erika", new_password=NEW_PASSWORD
    )

    assert auth.login(session, username="erika", password=NEW_PASSWORD).token


def test_an_upgrade_identification_cannot_reset_a_password(session):
    member, actor = _member_and_actor(session)
    done = _eid(session, _start(session, actor, member, "eid"))
    with pytest.raises(IdentificationRefused):
        identity.reset_password(
            session, identification_id=done.id, username="erika", new_password=NEW_PASSWORD
        )
