"""Authorization matrix (issue #9): every object type against every role, through core services.

One world per backend: Erika (smarthealth) owns one object of every type; Max (smarthealth),
Jonas (smart), Lena (basic), two clerks, an admin and a deactivated clerk try the same call
on it. Every actor comes from `auth.resume` with the role's session token, as on each rerun
of the portal. Each access names the roles for which it succeeds, so each refusal has its
positive control in the same parametrization. A refusal must be a DomainError with a German
message that names nothing of Erika and leaves her object unchanged; a staff read that
succeeds must leave an audit entry about her.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, func, select

from core import (
    accounts,
    auth,
    bank_accounts,
    bonus,
    certificate_issuing,
    contact,
    dashboard,
    digital_cards,
    documents,
    family,
    health_cards,
    histories,
    inbox,
    letters,
    members,
    messenger,
    preferences,
)
from core.actors import Actor
from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError, LoginRefused, SessionEnded
from core.health import entries, export, kv_connect, rules, unlock
from core.health.models import RecordEntry
from core.identity import Evidence, Step, devices
from core.identity import service as identity
from core.kvnr import make_kvnr
from core.models.accounts import UserAccount
from core.models.audit import AuditEntry
from core.models.bonus import BonusEvidence
from core.models.certificates import CertificateRequest
from core.models.digital_cards import DigitalCard
from core.models.documents import Submission
from core.models.family import FamilyMember
from core.models.health_cards import HealthCardRequest
from core.models.identity import Identification, RegisteredDevice
from core.models.letters import Letter
from core.models.messages import Conversation, ConversationStatus, Message
from core.uploads import IncomingFile
from tests.conftest import BACKENDS
from tests.factories import PASSWORD, make_account, make_member
from tests.hostile_files import jpeg
from tests.service.authorization_world import (
    OWNER_DEVICE,
    PIN,
    Matrix,
    attachment,
    bonus_evidence,
    certificate_request,
    fresh,
    fresh_conversation,
    fresh_device,
    fresh_family_member,
    fresh_message,
    fresh_staff_account,
    health_card_request,
    identification,
    keys,
    matrix_world,
)
from tests.service.health_world import DEVICE_PASSWORD, TODAY

ROLES = ("owner", "member_b", "smart", "basic", "clerk", "clerk2", "admin", "deactivated")
OWNER = frozenset({"owner"})
STAFF = frozenset({"clerk", "clerk2", "admin"})
SMART_MEMBERS = frozenset({"owner", "member_b", "smart"})
HEALTH_MEMBERS = frozenset({"owner", "member_b"})
ALL_MEMBERS = SMART_MEMBERS | {"basic"}


@dataclass(frozen=True)
class Ctx:
    session: Session
    health: Session
    actor: Actor
    m: Matrix
    target: Any


@dataclass(frozen=True)
class Access:
    """One service call on one of Erika's objects (or on the actor's own data, for gates)."""

    name: str
    allowed: frozenset[str]
    call: Callable[[Ctx], Any]
    audit: str | None = None  # the audit action a successful staff call must leave
    audit_names_member: bool = True  # KV-Connect's entry must not say whose record it was
    target: Callable[[Matrix], Any] | None = None  # a fresh object per case (one-shot calls)
    state: Callable[[Session, Matrix, Any], Any] | None = None  # unchanged by a refusal

    def target_for(self, m: Matrix) -> Any:
        return self.target(m) if self.target else None


@pytest.fixture(scope="module", params=BACKENDS)
def m(request) -> Iterator[Matrix]:
    with matrix_world(request.param) as world:
        yield world


# --- the accesses -----------------------------------------------------------------------


def _count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _letter_replies(session: Session, m: Matrix, _t) -> int:
    return _count(session, Letter, Letter.reply_to_letter_id == m.ids.letter_id)


def _messages(session: Session, m: Matrix, _t) -> int:
    return _count(session, Message, Message.conversation_id == m.ids.conversation_id)


def _row(model, column: str) -> Callable[[Session, Matrix, Any], Any]:
    def state(session: Session, _m: Matrix, target: int) -> Any:
        return getattr(session.get(model, target), column)

    return state


def _shared_row(model, column: str, attribute: str) -> Callable[[Session, Matrix, Any], Any]:
    def state(session: Session, m: Matrix, _t) -> Any:
        return getattr(session.get(model, getattr(m.ids, attribute)), column)

    return state


def _record_entries(session: Session, m: Matrix, _t) -> int:
    with session_scope(engine=m.health.provider) as health:
        reference = m.ids.unlocked.reference_number
        return _count(health, RecordEntry, RecordEntry.reference_number == reference)


def _on(service, keyword: str, attribute: str | None = None, **extra) -> Callable[[Ctx], Any]:
    """Call `service` as the actor on Erika's object `ids.<attribute or keyword>`."""

    def call(c: Ctx) -> Any:
        value = getattr(c.m.ids, attribute or keyword)
        return service(c.session, actor=c.actor, **{keyword: value}, **extra)

    return call


def _on_fresh(service, keyword: str, **extra) -> Callable[[Ctx], Any]:
    """Call `service` as the actor on the case's fresh object (one-shot calls)."""
    return lambda c: service(c.session, actor=c.actor, **{keyword: c.target}, **extra)


def _on_record(service, **extra) -> Callable[[Ctx], Any]:
    """Call a smarthealth service with Erika's unlocked record, as held in her browser session."""
    return lambda c: service(c.health, actor=c.actor, unlocked=c.m.ids.unlocked, **extra)


def _on_attempt(service, attribute: str | None = None, **extra) -> Callable[[Ctx], Any]:
    """Identification services: pages pass the signed-in member's own id beside the attempt."""

    def call(c: Ctx) -> Any:
        attempt = c.target if attribute is None else getattr(c.m.ids, attribute)
        return service(c.session, identification_id=attempt, member_id=c.actor.member_id, **extra)

    return call


def _unlock_owner_device(c: Ctx) -> str:
    opened = unlock.unlock_with_password(
        c.session,
        c.health,
        actor=c.actor,
        device_id=OWNER_DEVICE,
        password=DEVICE_PASSWORD,
        today=TODAY,
    )
    assert opened.reference_number == c.m.ids.unlocked.reference_number
    return opened.reference_number


def _unlock_with_owners_key(c: Ctx) -> str:
    """A new browser with Erika's security key opens only her record, for her alone."""
    opened = unlock.unlock_with_security_key(
        c.session,
        c.health,
        actor=c.actor,
        device_id=f"new-browser-{c.actor.username}",
        typed_key=c.m.ids.security_key,
        new_password=DEVICE_PASSWORD,
        today=TODAY,
    )
    assert opened.reference_number == c.m.ids.unlocked.reference_number
    return opened.reference_number


def _send_kv_connect_letter(c: Ctx):
    return kv_connect.send_letter(
        c.session,
        c.health,
        actor=c.actor,
        reference_number=c.m.ids.unlocked.reference_number,
        practice="Praxis Dr. Muster",
        title="Arztbrief",
        letter=attachment("arztbrief.pdf"),
        on=TODAY,
    )


def _edit_family_member(c: Ctx):
    mine = c.actor.member_id == c.m.owner.member_id
    return family.edit_family_member(
        c.session,
        actor=c.actor,
        family_member_id=c.m.ids.family_member_id,
        first_name="Paul" if mine else "Mallory",
        last_name="Geheimnis",
        kvnr=make_kvnr("F10000000"),
        relation="Kind",
    )


def _rename_device(c: Ctx):
    name = "Erikas Handy" if c.actor.member_id == c.m.owner.member_id else "Gekapert"
    return devices.rename_device(c.session, actor=c.actor, device_id=c.m.ids.device_id, name=name)


def _read(
    allowed: frozenset[str], service, keyword: str, audit: str, attribute: str | None = None
) -> Access:
    """A read of one of Erika's objects by id (`ids.<keyword>`); staff reads must be audited."""
    return Access(service.__name__, allowed, _on(service, keyword, attribute), audit)


_started = fresh(lambda session, m: identification(session, m, status="started"))
_succeeded = fresh(lambda session, m: identification(session, m, status="succeeded"))
_CARD_PHOTO = IncomingFile("ausweis.jpg", jpeg((640, 400)))

OBJECT_ACCESSES: tuple[Access, ...] = (
    # documents (submissions) and the inbox
    _read(OWNER | STAFF, documents.submission_pdf, "submission_id", "view_document"),
    _read(OWNER | STAFF, documents.find_by_tracking_id, "tracking_id", "find_submission"),
    _read(STAFF, inbox.open_case, "submission_id", "view_submission"),
    _read(STAFF, inbox.case_pdf, "submission_id", "view_document"),
    # letters
    _read(OWNER | STAFF, letters.open_letter, "letter_id", "view_letter"),
    _read(OWNER | STAFF, letters.letter_document, "letter_id", "view_letter_pdf"),
    _read(OWNER | STAFF, letters.reply_attachment, "reply_id", "view_letter_attachment"),
    Access(
        "reply_to_letter",
        OWNER,
        _on(letters.reply_to_letter, "letter_id", text="Fremde Antwort"),
        state=_letter_replies,
    ),
    _read(STAFF, letters.letters_of_member, "member_id", "view_letters"),
    _read(STAFF, letters.find_recipient, "kvnr", "letter_recipient"),
    # messenger
    _read(OWNER | STAFF, messenger.open_conversation, "conversation_id", "view_conversation"),
    _read(OWNER | STAFF, messenger.message_attachment, "message_id", "view_message_attachment"),
    Access(
        "post_message",
        OWNER | STAFF,
        _on(messenger.post_message, "conversation_id", body="Hallo"),
        audit="post_message",
        state=_messages,
    ),
    Access(
        "close_conversation",
        STAFF,
        _on_fresh(messenger.set_status, "conversation_id", status=ConversationStatus.CLOSED),
        audit="conversation_closed",
        target=fresh_conversation,
        state=_row(Conversation, "status"),
    ),
    Access(
        "file_into_inbox",
        STAFF,
        _on_fresh(messenger.file_into_inbox, "message_id"),
        audit="file_message_attachment",
        target=fresh_message,
        state=_row(Message, "filed_submission_id"),
    ),
    # members
    _read(STAFF, members.open_member, "member_id", "view_member"),
    # certificates: requests and issued ones
    _read(
        OWNER | STAFF,
        certificate_issuing.issued_certificate_pdf,
        "certificate_id",
        "view_issued_certificate",
    ),
    _read(STAFF, certificate_issuing.open_request, "request_id", "view_certificate_request"),
    Access(
        "issue_certificate",
        STAFF,
        _on_fresh(certificate_issuing.issue_certificate, "request_id"),
        audit="certificate_issued",
        target=fresh(certificate_request),
        state=_row(CertificateRequest, "status"),
    ),
    # digital insurance card
    Access("card_pdf", OWNER, _on(digital_cards.card_pdf, "card_id")),
    # family members
    Access(
        "edit_family_member",
        OWNER,
        _edit_family_member,
        state=_shared_row(FamilyMember, "first_name", "family_member_id"),
    ),
    Access(
        "remove_family_member",
        OWNER,
        _on_fresh(family.remove_family_member, "family_member_id"),
        target=fresh_family_member,
        state=lambda session, _m, target: session.get(FamilyMember, target) is not None,
    ),
    # bonus evidence
    _read(
        STAFF,
        bonus.review_document,
        "submission_id",
        "view_document",
        attribute="evidence_submission",
    ),
    Access(
        "accept_bonus_evidence",
        STAFF,
        _on_fresh(bonus.accept_evidence, "evidence_id"),
        audit="bonus_evidence_accept",
        target=fresh(bonus_evidence),
        state=_row(BonusEvidence, "status"),
    ),
    # health card requests
    Access(
        "advance_health_card",
        STAFF,
        _on_fresh(health_cards.advance_status, "request_id"),
        audit="health_card_status",
        target=fresh(health_card_request),
        state=_row(HealthCardRequest, "status"),
    ),
    # registered devices
    Access(
        "confirm_device",
        OWNER,
        _on(devices.confirm_device, "device_id", pin=PIN),
        state=_shared_row(RegisteredDevice, "pin_failures", "device_id"),
    ),
    Access(
        "rename_device",
        OWNER,
        _rename_device,
        state=_shared_row(RegisteredDevice, "name", "device_id"),
    ),
    Access(
        "change_app_pin",
        OWNER,
        _on(devices.change_pin, "device_id", current_pin=PIN, new_pin=PIN),
        state=_shared_row(RegisteredDevice, "pin_hash", "device_id"),
    ),
    Access(
        "remove_device",
        OWNER,
        _on_fresh(devices.remove_device, "device_id"),
        target=fresh_device,
        state=_row(RegisteredDevice, "revoked_at"),
    ),
    # identification records
    Access(
        "identification_state",
        OWNER,
        _on_attempt(identity.identification_state, "identification_id"),
    ),
    Access(
        "submit_identification_step",
        OWNER,
        _on_attempt(identity.submit_step, step=Step.ID_FRONT, evidence=Evidence(_CARD_PHOTO)),
        target=_started,
        state=_row(Identification, "steps_done"),
    ),
    Access(
        "cancel_identification",
        OWNER,
        _on_attempt(identity.cancel_identification),
        target=_started,
        state=_row(Identification, "status"),
    ),
    Access(
        "register_device_with_identification",
        OWNER,
        _on_fresh(devices.register_device, "identification_id", name="Neues Gerät", pin=PIN),
        target=_succeeded,
        state=_row(Identification, "used_at"),
    ),
    # smarthealth: the record link, its entries and documents (provider database)
    Access("unlock_with_device_password", OWNER, _unlock_owner_device),
    Access("load_timeline", OWNER, _on_record(entries.load_timeline)),
    Access(
        "open_health_document",
        OWNER,
        lambda c: _on_record(entries.open_document, entry=c.m.ids.entry)(c),
    ),
    Access("unlock_with_security_key", OWNER, _unlock_with_owners_key),
    Access("show_security_key", OWNER, _on_record(unlock.show_security_key)),
    Access("export_record", OWNER, _on_record(export.export_record, holder="Erika")),
    Access(
        "add_health_entry",
        OWNER,
        _on_record(
            entries.add_manual_entry,
            category=entries.Category.VACCINATION,
            on=TODAY,
            title="Eintrag",
        ),
        state=_record_entries,
    ),
    Access(  # write-only for staff: a receipt, never content; the audit names no member
        "kv_connect_letter_into_record",
        STAFF,
        _send_kv_connect_letter,
        audit="kv_connect_letter_sent",
        audit_names_member=False,
    ),
)


def _same_key(model, make: Callable[[Ctx], Any], attribute: str) -> Access:
    """A retry with the owner's idempotency key: the owner gets her first object again;
    anyone else is refused (it would hand them her object) and nothing new is stored."""

    def call(c: Ctx) -> Any:
        first = make(c)
        assert first.id == getattr(c.m.ids, attribute), "a retry stored a second object"
        return first

    return Access(
        f"same_key_{model.__tablename__}",
        OWNER,
        call,
        state=lambda session, _m, _t: _count(session, model),
    )


KEY_ACCESSES: tuple[Access, ...] = (
    _same_key(
        Submission,
        lambda c: documents.submit_document(
            c.session,
            actor=c.actor,
            request=documents.DocumentRequest(
                kvnr=c.m.owner_kvnr,
                doc_type="au",
                files=[attachment()],
                idempotency_key="erika-document",
            ),
        ),
        "submission_id",
    ),
    _same_key(
        DigitalCard,
        lambda c: digital_cards.request_card(
            c.session, actor=c.actor, idempotency_key="erika-card"
        ),
        "card_id",
    ),
    _same_key(
        Conversation,
        lambda c: messenger.start_conversation(
            c.session,
            actor=c.actor,
            subject="Frage",
            body="Hallo",
            idempotency_key="erika-conversation",
        ),
        "conversation_id",
    ),
    _same_key(
        HealthCardRequest,
        lambda c: health_cards.request_health_card(
            c.session, actor=c.actor, reason="defekt", idempotency_key=c.m.ids.health_card_key
        ),
        "health_card_id",
    ),
)

# Services without an object id: each serves the actor's own data, gated by role and level.
SELF_ACCESSES: tuple[Access, ...] = (
    *(
        Access(
            f"smart_{service.__name__}",
            SMART_MEMBERS,
            lambda c, s=service: s(c.session, actor=c.actor),
        )
        for service in (
            bank_accounts.bank_accounts,
            contact.contact_data,
            digital_cards.card_overview,
            letters.postbox,
            letters.my_replies,
            messenger.my_conversations,
            bonus.bonus_overview,
            histories.insurance_history,
            preferences.communication_settings,
        )
    ),
    *(
        Access(
            f"member_{service.__name__}",
            ALL_MEMBERS,
            lambda c, s=service: s(c.session, actor=c.actor),
        )
        for service in (
            members.own_member,
            family.list_family,
            health_cards.my_health_card_requests,
            identity.identity_overview,
        )
    ),
    Access(
        "smart_request_card_is_gated",
        SMART_MEMBERS,
        lambda c: digital_cards.request_card(
            c.session, actor=c.actor, idempotency_key=f"card-{c.actor.username}"
        ),
    ),
    Access(
        "staff_accounts",
        frozenset({"admin"}),
        lambda c: accounts.staff_accounts(c.session, actor=c.actor),
    ),
    Access(
        "deactivate_an_account",
        frozenset({"admin"}),
        _on_fresh(accounts.set_account_active, "user_id", active=False),
        target=fresh_staff_account,
        state=_row(UserAccount, "is_active"),
    ),
    Access("dashboard", STAFF, lambda c: dashboard.dashboard(c.session, actor=c.actor)),
    Access(  # the record itself needs smarthealth; smart members may only activate it
        "health_active_link",
        HEALTH_MEMBERS,
        lambda c: rules.active_link(c.session, actor=c.actor, today=TODAY),
    ),
)


def _cases(accesses: tuple[Access, ...]) -> list:
    return [
        pytest.param(access, role, id=f"{access.name}-{role}")
        for access in accesses
        for role in ROLES
    ]


def _audits(m: Matrix, role: str, access: Access) -> int:
    about = m.owner.member_id if access.audit_names_member else None
    with session_scope(engine=m.health.insurer) as session:
        return _count(
            session,
            AuditEntry,
            AuditEntry.actor == m.usernames[role],
            AuditEntry.action == access.audit,
            AuditEntry.member_id == about,
        )


def _state(m: Matrix, access: Access, target: Any) -> Any:
    if access.state is None:
        return None
    with session_scope(engine=m.health.insurer) as session:
        return access.state(session, m, target)


def _attempt_as(m: Matrix, role: str, access: Access, target: Any) -> Any:
    """The call as the portal makes it: resume the role's session, then call the service."""
    with m.health.sessions() as (session, health):
        actor = auth.resume(session, token=m.tokens[role])
        return access.call(Ctx(session=session, health=health, actor=actor, m=m, target=target))


def _check(m: Matrix, access: Access, role: str) -> None:
    target = access.target_for(m)
    before = _state(m, access, target)
    audits = _audits(m, role, access) if access.audit else 0
    if role in access.allowed:
        _attempt_as(m, role, access, target)  # the positive control: no refusal
        if access.audit and role in STAFF:
            assert _audits(m, role, access) > audits, "staff access left no audit entry"
        return
    with pytest.raises(DomainError) as refused:
        _attempt_as(m, role, access, target)
    message = refused.value.message
    assert message and "Geheimnis" not in message and m.owner_kvnr not in message
    assert _state(m, access, target) == before, "a refused call changed the object"


@pytest.mark.parametrize(("access", "role"), _cases(OBJECT_ACCESSES))
def test_only_the_owner_and_permitted_staff_reach_an_object_by_id(m, access, role):
    _check(m, access, role)


@pytest.mark.parametrize(("access", "role"), _cases(KEY_ACCESSES))
def test_another_users_idempotency_key_neither_hands_over_nor_duplicates_an_object(m, access, role):
    _check(m, access, role)


@pytest.mark.parametrize(("access", "role"), _cases(SELF_ACCESSES))
def test_each_service_is_refused_below_its_level_and_to_the_wrong_role(m, access, role):
    _check(m, access, role)


# --- lists: each member's own list shows their objects and nobody else's ----------------


@dataclass(frozen=True)
class OwnList:
    name: str
    callers: frozenset[str]  # the member roles whose level reaches this list
    keys: Callable[[Session, Actor], list]
    owner_key: Callable[[Matrix], Any]


OWN_LISTS: tuple[OwnList, ...] = (
    OwnList(
        "send_history",
        ALL_MEMBERS,
        lambda s, a: [row.id for row in documents.send_history(s, actor=a)],
        lambda m: m.ids.submission_id,
    ),
    OwnList(
        "postbox",
        SMART_MEMBERS,
        lambda s, a: [row.id for row in letters.postbox(s, actor=a)],
        lambda m: m.ids.letter_id,
    ),
    OwnList(
        "my_replies",
        SMART_MEMBERS,
        lambda s, a: [row.summary.id for row in letters.my_replies(s, actor=a)],
        lambda m: m.ids.reply_id,
    ),
    OwnList(
        "my_conversations",
        SMART_MEMBERS,
        lambda s, a: [row.id for row in messenger.my_conversations(s, actor=a)],
        lambda m: m.ids.conversation_id,
    ),
    OwnList(
        "my_issued_certificates",
        ALL_MEMBERS,
        lambda s, a: [row.id for row in certificate_issuing.my_issued_certificates(s, actor=a)],
        lambda m: m.ids.certificate_id,
    ),
    OwnList(
        "digital_cards",
        SMART_MEMBERS,
        lambda s, a: [row.id for row in digital_cards.card_overview(s, actor=a).cards],
        lambda m: m.ids.card_id,
    ),
    OwnList(
        "bank_accounts",
        SMART_MEMBERS,
        lambda s, a: [row.iban for row in bank_accounts.bank_accounts(s, actor=a)],
        lambda _m: "DE89370400440532013000",
    ),
    OwnList(
        "family",
        ALL_MEMBERS,
        lambda s, a: [row.id for row in family.list_family(s, actor=a)],
        lambda m: m.ids.family_member_id,
    ),
    OwnList(
        "bonus_evidence",
        SMART_MEMBERS,
        lambda s, a: [row.evidence.id for row in bonus.bonus_overview(s, actor=a).evidence],
        lambda m: m.ids.evidence_id,
    ),
    OwnList(
        "devices",
        SMART_MEMBERS,
        lambda s, a: [row.id for row in devices.devices_of(s, actor=a)],
        lambda m: m.ids.device_id,
    ),
    OwnList(
        "health_card_requests",
        ALL_MEMBERS,
        lambda s, a: [row.id for row in health_cards.my_health_card_requests(s, actor=a)],
        lambda m: m.ids.health_card_id,
    ),
)


@pytest.mark.parametrize(
    ("listing", "role"),
    [
        pytest.param(listing, role, id=f"{listing.name}-{role}")
        for listing in OWN_LISTS
        for role in ROLES
        if role in listing.callers
    ],
)
def test_a_members_own_lists_show_their_objects_and_never_another_members(m, listing, role):
    with m.session() as session:
        shown = listing.keys(session, auth.resume(session, token=m.tokens[role]))
    assert (listing.owner_key(m) in shown) == (role == "owner")


def test_a_deactivated_clerk_worked_until_deactivation_and_is_refused_on_the_next_action(m):
    with m.session() as session:
        viewed = _count(
            session,
            AuditEntry,
            AuditEntry.actor == m.usernames["deactivated"],
            AuditEntry.action == "view_member",
        )
        with pytest.raises(SessionEnded, match="Ihr Zugang wurde deaktiviert"):
            auth.resume(session, token=m.tokens["deactivated"])
        with pytest.raises(LoginRefused):
            auth.login(session, username=m.usernames["deactivated"], password=PASSWORD)
    assert viewed == 1


def test_staff_find_only_ciphertext_of_a_health_record(m):
    """What a clerk or admin could reach in the provider database holds no plaintext."""
    with session_scope(engine=m.health.provider) as health:
        sealed = health.exec(
            select(RecordEntry.sealed).where(
                RecordEntry.reference_number == m.ids.unlocked.reference_number
            )
        ).all()
    assert sealed
    assert not any(b"Befund" in blob or b"befund.pdf" in blob for blob in sealed)
    with m.health.sessions() as (_session, health):
        titles = [
            view.title
            for view in entries.load_timeline(
                health, actor=m.owner, unlocked=m.ids.unlocked
            ).entries
        ]
    assert "Befund" in titles  # the owner, and only the owner, reads it


def _logs_in(m: Matrix, username: str, password: str) -> bool:
    with m.session() as session:
        try:
            auth.login(session, username=username, password=password)
        except LoginRefused:
            return False
    return True


@pytest.mark.parametrize("whose", ["own", "another-members"])
def test_a_password_reset_identification_resets_only_its_own_members_password(m, whose):
    """The public "Passwort vergessen" has no signed-in actor: the identification is the proof."""
    with m.session() as session:
        identified, victim = (
            make_account(session, username=f"reset-{next(keys)}", member=make_member(session))
            for _ in range(2)
        )
        attempt = Identification(
            member_id=identified.member_id,
            procedure="eid",
            purpose="password_reset",
            status="succeeded",
            steps_done=3,
            started_at=utcnow(),
            completed_at=utcnow(),
        )
        session.add(attempt)
        session.commit()
    username = (identified if whose == "own" else victim).username
    new_password = "ganz-neues-passwort"

    with m.session() as session:
        try:
            identity.reset_password(
                session, identification_id=attempt.id, username=username, new_password=new_password
            )
        except DomainError as refusal:
            assert whose != "own", refusal.message
            assert refusal.message

    assert _logs_in(m, username, new_password) == (whose == "own")
    assert _logs_in(m, username, PASSWORD) == (whose != "own")
