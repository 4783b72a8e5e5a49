"""Neue Gesundheitskarte: a member requests a new card, tracked like a submission.

FAQ ("Wie lange ist der digitale Ersatz für meine Gesundheitskarte gültig?"): the digital
insurance card only bridges the gap, "wir empfehlen Ihnen, gleich eine neue
Gesundheitskarte bei uns zu beantragen: 08000213213". This is that request, in the portal.

Rules: a member requests a card only for themselves (it goes to their registered address);
while one request is still open, a second is refused (the card is already being made); a
double click or retry with the same idempotency key returns the first request. Every
request and every status change is audited.
"""

import hashlib

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor
from core.benefits import HOTLINE
from core.clock import utcnow
from core.errors import DomainError, NotAllowed, UnknownMember
from core.identifiers import new_tracking_id
from core.models.health_cards import (
    HealthCardReason,
    HealthCardRequest,
    HealthCardRequestRead,
    HealthCardStatus,
)
from core.models.people import Member

REASON_LABELS = {
    HealthCardReason.LOST: "Karte verloren",
    HealthCardReason.BROKEN: "Karte defekt",
    HealthCardReason.NAME_CHANGE: "Name hat sich geändert",
    HealthCardReason.NEW_PHOTO: "Neues Foto",
}
# What the member should know or do next, per reason (shown on the form).
REASON_HINTS = {
    HealthCardReason.LOST: "Wir sperren Ihre verlorene Karte, sobald die neue Karte in Auftrag "
    "gegeben ist. Findet sich die alte Karte wieder, nutzen Sie sie bitte nicht mehr.",
    HealthCardReason.BROKEN: "Nutzen Sie die defekte Karte nicht mehr, sobald Sie die neue "
    "Karte erhalten haben, und entsorgen Sie sie zerschnitten.",
    HealthCardReason.NAME_CHANGE: "Bitte senden Sie uns die Urkunde zur Namensänderung (zum "
    "Beispiel die Heiratsurkunde) über „Dokument senden“ als „Sonstiges“.",
    HealthCardReason.NEW_PHOTO: "Bitte senden Sie uns ein aktuelles Passbild über „Dokument "
    "senden“ als „Sonstiges“. Die neue Karte wird mit diesem Foto gedruckt.",
}
# These cards need a document first: the certificate of the new name, or the new photo.
NEEDS_DOCUMENT = frozenset({HealthCardReason.NAME_CHANGE, HealthCardReason.NEW_PHOTO})
STATUS_LABELS = {
    HealthCardStatus.RECEIVED: "eingegangen",
    HealthCardStatus.IN_PROGRESS: "in Bearbeitung",
    HealthCardStatus.SENT: "versandt",
}
OPEN_STATUSES = (HealthCardStatus.RECEIVED, HealthCardStatus.IN_PROGRESS)
# Each status only moves forward, one step at a time.
NEXT_STATUS = {
    HealthCardStatus.RECEIVED: HealthCardStatus.IN_PROGRESS,
    HealthCardStatus.IN_PROGRESS: HealthCardStatus.SENT,
}
MY_REQUESTS_LIMIT = 50


class HealthCardRefused(DomainError):
    default_message = "Die neue Gesundheitskarte konnte nicht beantragt werden."


def request_key(form_id: str, reason: str) -> str:
    """One idempotency key per form instance and reason, so a double click files one request."""
    return hashlib.sha256(f"health-card|{form_id}|{reason}".encode()).hexdigest()


def _own_member_id(actor: Actor) -> int:
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Eine neue Gesundheitskarte beantragen nur Versicherte selbst.")
    return actor.member_id


def _by_key(session: Session, *, actor: Actor, key: str) -> HealthCardRequest | None:
    row = session.exec(
        select(HealthCardRequest).where(HealthCardRequest.idempotency_key == key)
    ).first()
    if row is not None and row.requested_by_user_id != actor.user_id:
        raise NotAllowed()
    return row


def _open_request(session: Session, member_id: int) -> HealthCardRequest | None:
    return session.exec(
        select(HealthCardRequest)
        .where(
            HealthCardRequest.member_id == member_id,
            col(HealthCardRequest.status).in_(OPEN_STATUSES),
        )
        .order_by(col(HealthCardRequest.created_at).desc())
    ).first()


def request_health_card(
    session: Session, *, actor: Actor, reason: str, idempotency_key: str
) -> HealthCardRequestRead:
    """File a request for a new card for the signed-in member; returns it with its tracking ID."""
    member_id = _own_member_id(actor)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ValueError("idempotency_key must be 1 to 64 characters")
    earlier = _by_key(session, actor=actor, key=key)
    if earlier is not None:
        return HealthCardRequestRead.model_validate(earlier)
    try:
        kind = HealthCardReason(reason)
    except ValueError:
        raise HealthCardRefused("Bitte wählen Sie einen Grund aus.") from None
    # Lock the member row: two tabs with different keys must not both pass the open check.
    member = session.exec(select(Member).where(Member.id == member_id).with_for_update()).first()
    if member is None:
        raise UnknownMember()
    pending = _open_request(session, member_id)
    if pending is not None:
        session.rollback()
        raise HealthCardRefused(
            "Sie haben bereits eine neue Gesundheitskarte beantragt (Tracking-ID "
            f"{pending.tracking_id}, Status: {STATUS_LABELS[pending.status]}). Für eine "
            f"Änderung rufen Sie uns bitte an: {HOTLINE}."
        )
    row = HealthCardRequest(
        reason=kind,
        tracking_id=new_tracking_id(),
        status=HealthCardStatus.RECEIVED,
        created_at=utcnow(),
        member_id=member_id,
        requested_by_user_id=actor.user_id,
        idempotency_key=key,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same key won a race in another session: answer with that one
        session.rollback()
        earlier = _by_key(session, actor=actor, key=key)
        if earlier is None:
            raise
        return HealthCardRequestRead.model_validate(earlier)
    audit.record(
        session,
        actor=actor,
        action="health_card_requested",
        subject_type="health_card_request",
        subject_id=row.id,
        member_id=member_id,
        details={"reason": str(kind), "tracking_id": row.tracking_id},
    )
    session.commit()
    return HealthCardRequestRead.model_validate(row)


def my_health_card_requests(session: Session, *, actor: Actor) -> list[HealthCardRequestRead]:
    """The signed-in member's own requests, newest first."""
    member_id = _own_member_id(actor)
    rows = session.exec(
        select(HealthCardRequest)
        .where(HealthCardRequest.member_id == member_id)
        .order_by(col(HealthCardRequest.created_at).desc(), col(HealthCardRequest.id).desc())
        .limit(MY_REQUESTS_LIMIT)
    ).all()
    return [HealthCardRequestRead.model_validate(row) for row in rows]


def advance_status(session: Session, *, actor: Actor, request_id: int) -> HealthCardRequestRead:
    """Staff move a request one step on (eingegangen → in Bearbeitung → versandt); audited."""
    if not actor.is_staff:
        raise NotAllowed()
    row = session.exec(
        select(HealthCardRequest).where(HealthCardRequest.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise HealthCardRefused("Diesen Antrag gibt es nicht.")
    following = NEXT_STATUS.get(HealthCardStatus(row.status))
    if following is None:
        session.rollback()
        raise HealthCardRefused("Die Karte ist bereits versandt.")
    previous, row.status = row.status, following
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="health_card_status",
        subject_type="health_card_request",
        subject_id=row.id,
        member_id=row.member_id,
        details={"from": str(previous), "to": str(following)},
    )
    session.commit()
    return HealthCardRequestRead.model_validate(row)
