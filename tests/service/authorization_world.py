"""The world of the authorization matrix (tests/service/test_authorization_matrix.py).

One database per backend: Erika (smarthealth) owns one object of every type; Max
(smarthealth), Jonas (smart), Lena (basic), two clerks, an admin and a clerk deactivated
after one read each hold a signed-in session. `fresh_*` make another object of Erika's for
calls that work only once.
"""

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from core import (
    auth,
    bank_accounts,
    bonus,
    certificate_issuing,
    crypto,
    digital_cards,
    documents,
    family,
    letters,
    members,
    messenger,
    preferences,
)
from core.actors import Actor
from core.clock import utcnow
from core.db import make_engine, session_scope
from core.health import entries
from core.identity import devices
from core.kvnr import make_kvnr
from core.letter_templates import letter_templates
from core.models.accounts import Role
from core.models.bonus import BonusEnrolment, BonusEvidence, EnrolmentStatus
from core.models.certificates import CertificateRequest, CertificateType, Delivery
from core.models.health_cards import HealthCardRequest
from core.models.identity import Identification
from core.models.messages import Message
from core.uploads import IncomingFile
from tests.conftest import fresh_database_url
from tests.factories import PASSWORD, make_account, make_member
from tests.service.health_world import TODAY, World, health_world
from tests.service.test_documents import pdf_bytes

PIN = "480213"
OWNER_DEVICE = "erika-browser"
keys = itertools.count(1)


def attachment(name: str = "anhang.pdf") -> IncomingFile:
    return IncomingFile(name, pdf_bytes(1, "Vertraulich"), "application/pdf")


@dataclass
class Matrix:
    """The world of one backend: engines, one session token per role, Erika's objects."""

    health: World
    tokens: dict[str, str]
    usernames: dict[str, str]
    owner: Actor
    owner_kvnr: str
    clerk: Actor
    ids: SimpleNamespace = field(default_factory=SimpleNamespace)

    def session(self):
        return session_scope(write=True, engine=self.health.insurer)


def _login(session: Session, username: str) -> str:
    return auth.login(session, username=username, password=PASSWORD).token


def _people(m_session: Session) -> tuple[dict[str, Actor], dict[str, str]]:
    levels = {"owner": "smarthealth", "member_b": "smarthealth", "smart": "smart", "basic": "basic"}
    names = {"owner": "Erika", "member_b": "Max", "smart": "Jonas", "basic": "Lena"}
    actors: dict[str, Actor] = {}
    for role, level in levels.items():
        last_name = "Geheimnis" if role == "owner" else "Muster"  # a refusal never names Erika
        member = make_member(
            m_session, first_name=names[role], last_name=last_name, service_level=level
        )
        actors[role] = make_account(m_session, username=names[role].lower(), member=member)
    for role, account_role in (
        ("clerk", Role.CLERK),
        ("clerk2", Role.CLERK),
        ("admin", Role.ADMIN),
        ("deactivated", Role.CLERK),
    ):
        actors[role] = make_account(m_session, username=f"staff-{role}", role=account_role)
    tokens = {role: _login(m_session, actor.username) for role, actor in actors.items()}
    return actors, tokens


def _owner_objects(session: Session, m: Matrix, actors: dict[str, Actor]) -> None:
    owner, clerk, ids = m.owner, m.clerk, m.ids
    ids.member_id, ids.kvnr = owner.member_id, m.owner_kvnr
    for role in ("owner", "smart"):
        preferences.set_app_communication(session, actor=actors[role], enabled=True)
    sent = documents.submit_document(
        session,
        actor=owner,
        request=documents.DocumentRequest(
            kvnr=m.owner_kvnr, doc_type="au", files=[attachment()], idempotency_key="erika-document"
        ),
    )
    ids.submission_id, ids.tracking_id = sent.id, sent.tracking_id
    template = letter_templates()["bestaetigung_mitgliedschaft"]
    letter = letters.send_letter(
        session,
        actor=clerk,
        member_id=owner.member_id,
        template_key=template.key,
        subject=template.subject,
        body=template.body,
    )
    ids.letter_id = letter.id
    reply = letters.reply_to_letter(
        session, actor=owner, letter_id=letter.id, text="Danke", attachment=attachment()
    )
    ids.reply_id = reply.id
    ids.conversation_id = messenger.start_conversation(
        session,
        actor=owner,
        subject="Frage",
        body="Hallo",
        attachment=attachment(),
        idempotency_key="erika-conversation",
    ).id
    ids.message_id = session.exec(
        select(Message.id).where(Message.conversation_id == ids.conversation_id)
    ).one()
    ids.certificate_id = certificate_issuing.issue_certificate(
        session, actor=clerk, request_id=certificate_request(session, m)
    ).id
    ids.request_id = certificate_request(session, m)
    ids.card_id = digital_cards.request_card(session, actor=owner, idempotency_key="erika-card").id
    bank_accounts.add_bank_account(
        session, actor=owner, iban="DE89370400440532013000", bic=None, account_holder="Erika"
    )
    ids.family_member_id = family.add_family_member(
        session,
        actor=owner,
        first_name="Paul",
        last_name="Geheimnis",
        kvnr=make_kvnr("F10000000"),
        relation="Kind",
    ).id
    ids.evidence_id = bonus_evidence(session, m)
    ids.evidence_submission = session.get(BonusEvidence, ids.evidence_id).submission_id
    ids.device_id = devices.add_device(
        session, user_id=owner.user_id, name="Erikas Handy", pin_hash=devices.hash_app_pin(PIN)
    ).device.id
    ids.identification_id = identification(session, m, status="succeeded")
    ids.health_card_id = health_card_request(session, m)
    ids.health_card_key = session.get(HealthCardRequest, ids.health_card_id).idempotency_key
    session.commit()


def _stored(session: Session, row) -> int:
    session.add(row)
    session.commit()
    return row.id


def certificate_request(session: Session, m: Matrix) -> int:
    row = CertificateRequest(
        cert_type=CertificateType.INSURANCE,
        delivery=Delivery.APP,
        created_at=utcnow(),
        requested_by_user_id=m.owner.user_id,
        requester_member_id=m.owner.member_id,
        subject_member_id=m.owner.member_id,
        idempotency_key=f"matrix-{next(keys)}",
    )
    return _stored(session, row)


def bonus_evidence(session: Session, m: Matrix) -> int:
    """A submitted bonus evidence of Erika's (its file a real submission of hers)."""
    sent = documents.submit_document(
        session,
        actor=m.owner,
        request=documents.DocumentRequest(
            kvnr=m.owner_kvnr, doc_type="bonus", files=[attachment()]
        ),
    )
    if session.get(BonusEnrolment, m.owner.member_id) is None:
        session.add(
            BonusEnrolment(
                member_id=m.owner.member_id,
                status=EnrolmentStatus.ACTIVE,
                starts_on=date(2026, 1, 1),
                applied_at=utcnow(),
                confirmed_at=utcnow(),
                submission_id=sent.id,
            )
        )
    row = BonusEvidence(
        member_id=m.owner.member_id,
        category=bonus.categories()[0].id,
        evidence_date=date(2026, 3, 1),
        submitted_on=date(2026, 3, 2),
        points=bonus.categories()[0].points,
        submission_id=sent.id,
    )
    return _stored(session, row)


def identification(session: Session, m: Matrix, *, status: str) -> int:
    now = utcnow()
    done = status == "succeeded"
    row = Identification(
        member_id=m.owner.member_id,
        procedure="eid",
        purpose="new_device",
        status=status,
        steps_done=3 if done else 0,
        started_at=now,
        completed_at=now if done else None,
    )
    return _stored(session, row)


def health_card_request(session: Session, m: Matrix) -> int:
    row = HealthCardRequest(
        reason="defekt",
        tracking_id=f"T-MATRIX-{next(keys)}",
        created_at=utcnow(),
        member_id=m.owner.member_id,
        requested_by_user_id=m.owner.user_id,
        idempotency_key=f"matrix-{next(keys)}",
    )
    return _stored(session, row)


def _health_objects(m: Matrix, actors: dict[str, Actor]) -> None:
    m.ids.unlocked, security_key = m.health.activate(m.owner, device_id=OWNER_DEVICE)
    m.ids.security_key = crypto.format_security_key(security_key)
    m.health.activate(actors["member_b"], device_id="max-browser")
    with m.health.sessions() as (_session, health):
        entries.add_document(
            health,
            actor=m.owner,
            unlocked=m.ids.unlocked,
            file=attachment("befund.pdf"),
            title="Befund",
            on=TODAY,
        )
        timeline = entries.load_timeline(health, actor=m.owner, unlocked=m.ids.unlocked)
    m.ids.entry = timeline.entries[0]


def fresh_conversation(m: Matrix) -> int:
    with m.session() as session:
        return messenger.start_conversation(
            session, actor=m.owner, subject="Neu", body="Bitte", attachment=attachment()
        ).id


def fresh_message(m: Matrix) -> int:
    conversation = fresh_conversation(m)
    with m.session() as session:
        return session.exec(select(Message.id).where(Message.conversation_id == conversation)).one()


def fresh(factory) -> Callable[[Matrix], int]:
    def make(m: Matrix) -> int:
        with m.session() as session:
            return factory(session, m)

    return make


def fresh_family_member(m: Matrix) -> int:
    with m.session() as session:
        return family.add_family_member(
            session,
            actor=m.owner,
            first_name="Kind",
            last_name=f"Nummer{next(keys)}",
            kvnr=make_kvnr(f"K{next(keys):08d}"),
            relation="Kind",
        ).id


def fresh_device(m: Matrix) -> int:
    with m.session() as session:
        created = devices.add_device(
            session, user_id=m.owner.user_id, name="Tablet", pin_hash=devices.hash_app_pin(PIN)
        )
        session.commit()
        return created.device.id


def fresh_staff_account(m: Matrix) -> int:
    with m.session() as session:
        return make_account(session, username=f"staff-{next(keys)}", role=Role.CLERK).user_id


@contextmanager
def matrix_world(backend: str) -> Iterator[Matrix]:
    engine = make_engine(fresh_database_url(backend))
    with pytest.MonkeyPatch.context() as patch, health_world(engine, patch) as world:
        with session_scope(write=True, engine=engine) as session:
            actors, tokens = _people(session)
            matrix = Matrix(
                health=world,
                tokens=tokens,
                usernames={role: actor.username for role, actor in actors.items()},
                owner=actors["owner"],
                owner_kvnr=members.own_member(session, actor=actors["owner"]).kvnr,
                clerk=actors["clerk"],
            )
            _owner_objects(session, matrix, actors)
        _health_objects(matrix, actors)
        with session_scope(write=True, engine=engine) as session:
            # The clerk could work until an admin deactivated the account.
            before = auth.resume(session, token=tokens["deactivated"])
            members.open_member(session, actor=before, member_id=matrix.owner.member_id)
            auth.set_active(session, actor=actors["admin"], user_id=before.user_id, active=False)
        yield matrix
    engine.dispose()
