"""Identification attempts: start, step through, succeed or fail, and what a success unlocks.

FAQ: Robo-Ident identifies for smart only; eID for smart and smarthealth. A member's level
rises to smart on success ("Jetzt zu smart wechseln"); an eID success is the record that lets
smarthealth be activated later (core.identity.can_activate_smarthealth). A forgotten password
is replaced after a new identification; smart data stays.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select, update

from core import audit, auth
from core.actors import SYSTEM, Actor
from core.clock import utcnow
from core.errors import NotAllowed, UnknownMember
from core.identity.errors import (
    IdentificationFailed,
    IdentificationRefused,
    IdentificationUnavailable,
    StepRefused,
)
from core.identity.nect_simulation import SimulatedNectWallet
from core.identity.provider import STEPS, Evidence, IdentityProvider, Step, WrongEidPin
from core.identity.reset_throttle import count_reset_attempt
from core.kvnr import normalize_kvnr
from core.models.accounts import LoginThrottle, Role, UserAccount
from core.models.identity import (
    Identification,
    IdentificationProcedure,
    IdentificationPurpose,
    IdentificationStatus,
    LevelReached,
)
from core.models.people import Member, ServiceLevel
from core.settings import get_settings

ATTEMPT_MINUTES = 30  # an attempt left unfinished this long expires
FRESH_MINUTES = 15  # a success may be used this long for a password reset or a new device
EID_PIN_TRIES = 3  # the ID card blocks its PIN after three wrong entries (PUK needed)
_PIN_SHAPE = re.compile(r"[0-9]{6}")
_SMART_LEVELS = frozenset({ServiceLevel.SMART, ServiceLevel.SMARTHEALTH})

FAILURE_MESSAGES: dict[str, str] = {
    "card_blocked": (
        "Die Ausweis-PIN wurde dreimal falsch eingegeben; Ihr Ausweis ist jetzt gesperrt. "
        "Entsperren Sie ihn mit der PUK aus Ihrem PIN-Brief (zum Beispiel in der AusweisApp) "
        "und starten Sie dann einen neuen Versuch – oder wählen Sie Robo-Ident (nur für smart)."
    ),
    "expired": (
        f"Die Identifizierung wurde nicht innerhalb von {ATTEMPT_MINUTES} Minuten "
        "abgeschlossen. Bitte starten Sie einen neuen Versuch."
    ),
    "cancelled": "Sie haben die Identifizierung abgebrochen.",
    "superseded": "Ein neuerer Versuch wurde gestartet; dieser ist damit beendet.",
}


@dataclass(frozen=True)
class StartRequest:
    """The start form: consent, who the member says they are, and the chosen procedure."""

    procedure: str
    consent: bool
    kvnr: str
    name: str = ""
    username: str = ""  # password reset only


@dataclass(frozen=True)
class IdentificationRead:
    id: int
    member_id: int
    procedure: str
    purpose: str
    status: str
    steps: tuple[Step, ...]
    steps_done: int
    pin_failures: int
    challenge_words: tuple[str, str] | None
    level_reached: str | None
    started_at: datetime
    completed_at: datetime | None
    failure_reason: str | None

    @property
    def running(self) -> bool:
        return self.status == IdentificationStatus.STARTED

    @property
    def succeeded(self) -> bool:
        return self.status == IdentificationStatus.SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status == IdentificationStatus.FAILED

    @property
    def current_step(self) -> Step | None:
        return self.steps[self.steps_done] if self.running else None

    @property
    def pin_tries_left(self) -> int:
        return max(EID_PIN_TRIES - self.pin_failures, 0)

    @property
    def failure_message(self) -> str | None:
        return FAILURE_MESSAGES.get(self.failure_reason or "") if self.failed else None


@dataclass(frozen=True)
class IdentityOverview:
    """What the "Zu smart wechseln" page needs to know about the member."""

    service_level: str
    eid_verified: bool
    can_activate_smarthealth: bool


def _read(row: Identification) -> IdentificationRead:
    words = tuple(row.challenge.split()) if row.challenge else None
    return IdentificationRead(
        id=row.id,
        member_id=row.member_id,
        procedure=row.procedure,
        purpose=row.purpose,
        status=row.status,
        steps=STEPS[row.procedure],
        steps_done=row.steps_done,
        pin_failures=row.pin_failures,
        challenge_words=words if words and len(words) == 2 else None,
        level_reached=row.level_reached,
        started_at=row.started_at,
        completed_at=row.completed_at,
        failure_reason=row.failure_reason,
    )


def identity_provider() -> IdentityProvider:
    """The partner behind the wallet. Only the simulation exists, so only demo mode offers it:
    anywhere else a simulated identification would let anyone take over any account."""
    if not get_settings().demo_mode:
        raise IdentificationUnavailable()
    return SimulatedNectWallet()


def _normalised_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").strip()
    if "," in text:  # "Berger, Lena"
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(text.casefold().split())


def _check_person(member: Member, request: StartRequest) -> None:
    if not request.consent:
        raise IdentificationRefused(
            "Bitte stimmen Sie der Datenschutzerklärung zu, um die Identifizierung zu starten."
        )
    kvnr = normalize_kvnr(request.kvnr)
    full_name = _normalised_name(f"{member.first_name} {member.last_name}")
    if kvnr != member.kvnr or _normalised_name(request.name) != full_name:
        raise IdentificationRefused(
            "Name und Versichertennummer stimmen nicht mit Ihrem Konto überein. "
            "Bitte prüfen Sie Ihre Eingaben."
        )


def _procedure(text: str) -> IdentificationProcedure:
    try:
        return IdentificationProcedure(text)
    except ValueError:
        raise IdentificationRefused(
            "Bitte wählen Sie ein Verfahren: Robo-Ident oder eID."
        ) from None


def _eid_verified(session: Session, member_id: int) -> bool:
    found = session.exec(
        select(Identification.id).where(
            Identification.member_id == member_id,
            Identification.status == IdentificationStatus.SUCCEEDED,
            Identification.level_reached == LevelReached.SMARTHEALTH_READY,
        )
    ).first()
    return found is not None


def _locked_member(session: Session, member_id: int) -> Member:
    member = session.exec(select(Member).where(Member.id == member_id).with_for_update()).first()
    if member is None:
        raise UnknownMember()
    return member


def _open_attempt(
    session: Session,
    *,
    actor: Actor,
    member: Member,
    procedure: IdentificationProcedure,
    purpose: IdentificationPurpose,
    provider: IdentityProvider,
) -> IdentificationRead:
    now = utcnow()
    # One running attempt per member: an older one ends here.
    session.exec(
        update(Identification)
        .where(
            Identification.member_id == member.id,
            Identification.status == IdentificationStatus.STARTED,
        )
        .values(status=IdentificationStatus.FAILED, failure_reason="superseded", completed_at=now)
    )
    challenge = None
    if procedure == IdentificationProcedure.ROBO:
        challenge = " ".join(provider.challenge_words())
    row = Identification(
        member_id=member.id,
        procedure=procedure,
        purpose=purpose,
        challenge=challenge,
        started_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identification_started",
        subject_type="identification",
        subject_id=row.id,
        member_id=member.id,
        details={"procedure": str(procedure), "purpose": str(purpose)},
    )
    session.commit()
    return _read(row)


def start_identification(
    session: Session,
    *,
    actor: Actor,
    request: StartRequest,
    purpose: IdentificationPurpose = IdentificationPurpose.UPGRADE,
    provider: IdentityProvider | None = None,
) -> IdentificationRead:
    """A signed-in member starts "Jetzt zu smart wechseln" (or identifies for a new device)."""
    provider = provider or identity_provider()
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Die Identifizierung steht nur Mitgliedern zur Verfügung.")
    procedure = _procedure(request.procedure)
    member = _locked_member(session, actor.member_id)
    _check_person(member, request)
    is_smart = member.service_level in _SMART_LEVELS
    if purpose == IdentificationPurpose.UPGRADE and is_smart:
        if procedure == IdentificationProcedure.ROBO:
            raise IdentificationRefused(
                "Sie nutzen bereits smart. Für smarthealth ist eine Identifizierung mit eID nötig; "
                "Robo-Ident reicht dafür nicht aus."
            )
        if _eid_verified(session, member.id):
            raise IdentificationRefused(
                "Sie sind bereits mit eID identifiziert und können smarthealth freischalten."
            )
    if purpose == IdentificationPurpose.NEW_DEVICE and not is_smart:
        raise IdentificationRefused("Geräte werden erst ab der smart-Version registriert.")
    if purpose == IdentificationPurpose.PASSWORD_RESET:
        raise IdentificationRefused("Für ein vergessenes Passwort nutzen Sie „Passwort vergessen“.")
    return _open_attempt(
        session,
        actor=actor,
        member=member,
        procedure=procedure,
        purpose=purpose,
        provider=provider,
    )


def _reset_account(session: Session, *, username: str, kvnr: str) -> tuple[UserAccount, Member]:
    refused = IdentificationRefused(
        "Benutzername und Versichertennummer passen zu keinem Konto. "
        "Bitte prüfen Sie Ihre Eingaben."
    )
    canonical = normalize_kvnr(kvnr)
    account = session.exec(
        select(UserAccount).where(UserAccount.username == auth.normalize_username(username))
    ).first()
    if account is None or account.role != Role.MEMBER or account.member_id is None:
        raise refused
    member = session.get(Member, account.member_id)
    if member is None or member.kvnr != canonical or not account.is_active:
        raise refused
    return account, member


def start_password_reset(
    session: Session,
    *,
    request: StartRequest,
    provider: IdentityProvider | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> IdentificationRead:
    """FAQ "Passwort vergessen": username and KVNR, then a new identification (no sign-in).
    Rate-limited per typed name, per typed KVNR and per `client` (the visitor's IP address,
    if known; core.identity.reset_throttle)."""
    provider = provider or identity_provider()
    if not request.consent:
        raise IdentificationRefused(
            "Bitte stimmen Sie der Datenschutzerklärung zu, um die Identifizierung zu starten."
        )
    procedure = _procedure(request.procedure)
    count_reset_attempt(
        session,
        username=request.username,
        kvnr=request.kvnr,
        client=client,
        now=now or utcnow(),
    )
    account, member = _reset_account(session, username=request.username, kvnr=request.kvnr)
    member = _locked_member(session, member.id)
    return _open_attempt(
        session,
        actor=auth.actor_for(session, account),
        member=member,
        procedure=procedure,
        purpose=IdentificationPurpose.PASSWORD_RESET,
        provider=provider,
    )


def _attempt(
    session: Session, *, identification_id: int, member_id: int, lock: bool = False
) -> Identification:
    statement = select(Identification).where(
        Identification.id == identification_id, Identification.member_id == member_id
    )
    row = session.exec(statement.with_for_update() if lock else statement).first()
    if row is None:
        raise NotAllowed("Diese Identifizierung gehört nicht zu Ihrem Konto.")
    return row


def identification_state(
    session: Session, *, identification_id: int, member_id: int
) -> IdentificationRead:
    return _read(_attempt(session, identification_id=identification_id, member_id=member_id))


def _member_actor(session: Session, member_id: int) -> Actor:
    """The member's own account as the audit actor (the public reset has no signed-in actor)."""
    account = session.exec(
        select(UserAccount).where(UserAccount.member_id == member_id).order_by(UserAccount.id)
    ).first()
    return auth.actor_for(session, account) if account else SYSTEM


def _fail(session: Session, row: Identification, code: str, now: datetime) -> None:
    row.status = IdentificationStatus.FAILED
    row.failure_reason = code
    row.completed_at = now
    session.add(row)
    audit.record(
        session,
        actor=_member_actor(session, row.member_id),
        action="identification_failed",
        subject_type="identification",
        subject_id=row.id,
        member_id=row.member_id,
        details={"procedure": row.procedure, "reason": code},
    )
    session.commit()


def _check_step(
    session: Session,
    row: Identification,
    step: Step,
    evidence: Evidence,
    provider: IdentityProvider,
    now: datetime,
) -> None:
    """Run one step's check; StepRefused leaves the attempt open for another try."""
    if step in (Step.ID_FRONT, Step.ID_BACK):
        provider.check_id_image(side=step, upload=evidence.upload)
    elif step == Step.SELFIE:
        words = tuple(row.challenge.split()) if row.challenge else ("", "")
        provider.check_selfie(
            upload=evidence.upload, words_shown=words, words_read=evidence.words_read
        )
    elif step == Step.EID_RESCAN:
        provider.scan_eid_card(card_held=evidence.card_held)
    elif step == Step.EID_PIN:
        provider.scan_eid_card(card_held=evidence.card_held)
        pin = evidence.pin.strip()
        if re.fullmatch(r"[0-9]{5}", pin):
            raise StepRefused(
                "transport_pin",
                "Das ist eine 5-stellige Transport-PIN. Legen Sie damit zuerst in der AusweisApp "
                "Ihre 6-stellige Ausweis-PIN fest.",
            )
        if not _PIN_SHAPE.fullmatch(pin):
            raise StepRefused("pin_format", "Die Ausweis-PIN besteht aus genau 6 Ziffern.")
        try:
            provider.verify_eid_pin(pin=pin)
        except WrongEidPin:
            row.pin_failures += 1
            if row.pin_failures >= EID_PIN_TRIES:
                _fail(session, row, "card_blocked", now)
                blocked = FAILURE_MESSAGES["card_blocked"]
                raise IdentificationFailed("card_blocked", blocked) from None
            left = EID_PIN_TRIES - row.pin_failures
            raise StepRefused(
                "wrong_pin",
                "Die Ausweis-PIN ist falsch. "
                + ("Sie haben noch 1 Versuch." if left == 1 else f"Sie haben noch {left} Versuche.")
                + " Nach drei falschen Eingaben wird Ihr Ausweis gesperrt.",
            ) from None


def _succeed(session: Session, row: Identification, now: datetime) -> None:
    row.status = IdentificationStatus.SUCCEEDED
    row.completed_at = now
    row.failure_reason = None
    row.level_reached = (
        LevelReached.SMARTHEALTH_READY
        if row.procedure == IdentificationProcedure.EID
        else LevelReached.SMART
    )
    session.add(row)
    actor = _member_actor(session, row.member_id)
    if row.purpose == IdentificationPurpose.UPGRADE:
        member = _locked_member(session, row.member_id)
        if member.service_level == ServiceLevel.BASIC:
            member.service_level = ServiceLevel.SMART
            session.add(member)
            audit.record(
                session,
                actor=actor,
                action="service_level_changed",
                subject_type="member",
                subject_id=member.id,
                member_id=member.id,
                details={"from": "basic", "to": "smart", "identification": row.id},
            )
    audit.record(
        session,
        actor=actor,
        action="identification_succeeded",
        subject_type="identification",
        subject_id=row.id,
        member_id=row.member_id,
        details={
            "procedure": row.procedure,
            "purpose": row.purpose,
            "level_reached": row.level_reached,
        },
    )


def submit_step(
    session: Session,
    *,
    identification_id: int,
    member_id: int,
    step: Step,
    evidence: Evidence,
    provider: IdentityProvider | None = None,
    now: datetime | None = None,
) -> IdentificationRead:
    """Hand over one step's evidence. StepRefused: try this step again (the reason says why).
    IdentificationFailed: the attempt is over. On the last step the identification succeeds."""
    provider = provider or identity_provider()
    now = now or utcnow()
    row = _attempt(session, identification_id=identification_id, member_id=member_id, lock=True)
    if row.status != IdentificationStatus.STARTED:
        session.rollback()
        raise IdentificationFailed(
            row.failure_reason or "closed",
            FAILURE_MESSAGES.get(row.failure_reason or "", "Diese Identifizierung ist beendet."),
        )
    if now - row.started_at > timedelta(minutes=ATTEMPT_MINUTES):
        _fail(session, row, "expired", now)
        raise IdentificationFailed("expired", FAILURE_MESSAGES["expired"])
    steps = STEPS[row.procedure]
    if step != steps[row.steps_done]:
        session.rollback()
        raise StepRefused(
            "out_of_order", "Dieser Schritt ist bereits erledigt. Bitte fahren Sie fort."
        )
    try:
        _check_step(session, row, step, evidence, provider, now)
    except StepRefused as refused:
        row.failure_reason = refused.code
        session.add(row)
        session.commit()
        raise
    row.steps_done += 1
    row.failure_reason = None
    session.add(row)
    if row.steps_done == len(steps):
        _succeed(session, row, now)
    session.commit()
    return _read(row)


def cancel_identification(session: Session, *, identification_id: int, member_id: int) -> None:
    row = _attempt(session, identification_id=identification_id, member_id=member_id, lock=True)
    if row.status == IdentificationStatus.STARTED:
        _fail(session, row, "cancelled", utcnow())
    else:
        session.rollback()


DEVICE_PURPOSES = frozenset({IdentificationPurpose.UPGRADE, IdentificationPurpose.NEW_DEVICE})


def _usable(row: Identification, purposes: frozenset[str], now: datetime) -> bool:
    return (
        row.status == IdentificationStatus.SUCCEEDED
        and row.used_at is None
        and row.completed_at is not None
        and now - row.completed_at <= timedelta(minutes=FRESH_MINUTES)
        and row.purpose in purposes
    )


def fresh_identification(
    session: Session,
    *,
    identification_id: int,
    member_id: int,
    purposes: frozenset[str] = DEVICE_PURPOSES,
    now: datetime | None = None,
) -> IdentificationRead | None:
    """This browser session's success of the last minutes, if it is still unused."""
    row = session.exec(
        select(Identification).where(
            Identification.id == identification_id, Identification.member_id == member_id
        )
    ).first()
    return _read(row) if row and _usable(row, purposes, now or utcnow()) else None


def use_identification(
    session: Session,
    *,
    identification_id: int,
    member_id: int,
    purposes: frozenset[str],
    now: datetime | None = None,
) -> Identification:
    """Consume a fresh success once (inside the caller's transaction; commit is the caller's)."""
    now = now or utcnow()
    row = _attempt(session, identification_id=identification_id, member_id=member_id, lock=True)
    if not _usable(row, purposes, now):
        raise IdentificationRefused(
            "Diese Identifizierung ist abgelaufen oder wurde schon verwendet. "
            "Bitte identifizieren Sie sich erneut."
        )
    row.used_at = now
    session.add(row)
    return row


def reset_password(
    session: Session,
    *,
    identification_id: int,
    username: str,
    new_password: str,
    now: datetime | None = None,
) -> None:
    """FAQ: after a new identification the member sets a new password; every session ends.
    Letters, family members, documents and devices stay untouched."""
    account = session.exec(
        select(UserAccount).where(UserAccount.username == auth.normalize_username(username))
    ).first()
    if account is None or account.member_id is None or not account.is_active:
        raise NotAllowed("Das Passwort kann für dieses Konto nicht neu gesetzt werden.")
    password_hash = auth.hash_password(new_password)  # policy first: a refusal keeps the success
    use_identification(
        session,
        identification_id=identification_id,
        member_id=account.member_id,
        purposes=frozenset({IdentificationPurpose.PASSWORD_RESET}),
        now=now,
    )
    account.password_hash = password_hash
    account.password_changed_at = now or utcnow()
    session.add(account)
    auth.end_all_sessions(session, user_id=account.id, reason="password_reset")
    # The new identification proves the person: a login lockout on the name is lifted.
    throttle = session.get(LoginThrottle, account.username)
    if throttle is not None:
        session.delete(throttle)
    audit.record(
        session,
        actor=auth.actor_for(session, account),
        action="password_reset",
        subject_type="user",
        subject_id=account.id,
        member_id=account.member_id,
        details={"identification": identification_id},
    )
    session.commit()


def can_activate_smarthealth(session: Session, member_id: int) -> bool:
    """FAQ: smarthealth needs the smart version and an eID identification (Robo-Ident is not
    enough)."""
    member = session.get(Member, member_id)
    if member is None or member.service_level not in _SMART_LEVELS:
        return False
    return _eid_verified(session, member_id)


def mark_smarthealth_active(session: Session, *, member_id: int) -> None:
    """For the smarthealth activation: raise the level (inside the caller's transaction;
    commit and audit are the caller's). Refused without an eID identification."""
    if not can_activate_smarthealth(session, member_id):
        raise NotAllowed(
            "smarthealth kann erst nach einer Identifizierung mit eID freigeschaltet werden."
        )
    member = _locked_member(session, member_id)
    member.service_level = ServiceLevel.SMARTHEALTH
    session.add(member)
    session.flush()


def identity_overview(session: Session, *, actor: Actor) -> IdentityOverview:
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Die Identifizierung steht nur Mitgliedern zur Verfügung.")
    member = session.get(Member, actor.member_id)
    if member is None:
        raise UnknownMember()
    return IdentityOverview(
        service_level=member.service_level,
        eid_verified=_eid_verified(session, member.id),
        can_activate_smarthealth=can_activate_smarthealth(session, member.id),
    )
