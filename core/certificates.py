"""Certificate requests (FAQ: "Für wen kann ich eine Versicherungsbescheinigung anfordern?").

Who may ask for what, and how it travels:
- Versicherungsbescheinigung: for oneself or any insured person by KVNR; by post to that
  person's registered address. A smart/smarthealth member's own certificate is shown in the
  app instead when they switched App-Kommunikation on (FAQ: "sofern Sie die
  App-Kommunikation aktiviert haben"; core.preferences).
- Mitgliedsbescheinigung (for an employer): only for oneself, only while the membership runs.
- Familienversicherungsbescheinigung: only for a relative in the requester's household or on
  their family list, whose insurance runs. The data model has no family-insurance flag yet, so
  household or family list is what makes a person "insured through the requester".
A certificate about anyone else always goes by post (FAQ: "Aus Datenschutzgründen und zur
zusätzlichen Verifizierung"). Every request and every refusal is audited.

No membership oracle (issue #17): a request for another person (neither oneself nor the
household) costs one of the account's other-person numbers (core.send_throttle, shared with
"Dokument senden") and is answered with the same NEUTRAL_ANSWER whether or not the number
belongs to a member. A number that matches no member (or a family-list person who is not
insured) is kept as an UNMATCHED request for a clerk to check, never silently dropped.
"""

import hashlib
from datetime import date, datetime
from typing import NoReturn

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from core import audit, send_throttle
from core.actors import Actor
from core.clock import today_berlin, utcnow
from core.errors import DomainError, NotAllowed, UnknownMember
from core.kvnr import normalize_kvnr
from core.models.certificates import (
    CertificateQueueItem,
    CertificateRequest,
    CertificateRequestRead,
    CertificateStatus,
    CertificateType,
    Delivery,
)
from core.models.family import FamilyMember
from core.models.people import Member
from core.preferences import app_communication_enabled
from core.smart import SMART_LEVELS

CERTIFICATE_LABELS = {
    CertificateType.INSURANCE: "Versicherungsbescheinigung",
    CertificateType.MEMBERSHIP: "Mitgliedsbescheinigung",
    CertificateType.FAMILY_INSURANCE: "Familienversicherungsbescheinigung",
}
CERTIFICATE_HELP = {
    CertificateType.INSURANCE: "Nachweis Ihrer Krankenversicherung – für sich oder eine andere "
    "Person mit deren Versichertennummer.",
    CertificateType.MEMBERSHIP: "Nachweis Ihrer Mitgliedschaft, zum Beispiel für Ihren "
    "Arbeitgeber. Nur für Sie selbst und nur bei bestehender Mitgliedschaft.",
    CertificateType.FAMILY_INSURANCE: "Nachweis der Familienversicherung für Angehörige in "
    "Ihrem Haushalt oder aus Ihrer Liste der Familienmitglieder.",
}
STATUS_LABELS = {
    CertificateStatus.OPEN: "Offen",
    CertificateStatus.CREATED: "Erstellt",
    CertificateStatus.SENT: "Versandt",
    CertificateStatus.UNMATCHED: "Versichertennummer unbekannt – prüfen",
}
NEUTRAL_ANSWER = (
    "Wenn die Versichertennummer zu einem HEK-Mitglied gehört, senden wir die Bescheinigung "
    "an dessen Postanschrift."
)
DELIVERY_LABELS = {Delivery.POST: "Per Post", Delivery.APP: "In der App"}
PRIVACY_REASON = (
    "Aus Datenschutzgründen und zur zusätzlichen Verifizierung senden wir die Bescheinigung "
    "einer anderen Person per Post an deren hinterlegte Anschrift; sie wird nicht in der App "
    "angezeigt."
)
QUEUE_MAX_LIMIT = 200
MY_REQUESTS_LIMIT = 50


FAMILY_LIST_ONLY = (
    "Eine Familienversicherungsbescheinigung gibt es nur für Angehörige in Ihrem Haushalt "
    "oder aus Ihrer Liste der Familienmitglieder (Profil > Familienmitglieder)."
)


class CertificateRefused(DomainError):
    default_message = "Diese Bescheinigung können wir so leider nicht ausstellen."


def planned_delivery(
    *, cert_type: str, for_self: bool, service_level: str | None, app_communication: bool
) -> Delivery:
    """Only a smart member's own Versicherungsbescheinigung, with App-Kommunikation on, is
    shown in the app."""
    if (
        for_self
        and cert_type == CertificateType.INSURANCE
        and service_level in SMART_LEVELS
        and app_communication
    ):
        return Delivery.APP
    return Delivery.POST


def app_communication_on(session: Session, *, actor: Actor) -> bool:
    """Whether the member switched App-Kommunikation on (for the request form's note)."""
    if not actor.is_member or actor.member_id is None:
        return False
    return app_communication_enabled(session, member_id=actor.member_id)


def delivery_note(
    *, cert_type: str, for_self: bool, service_level: str | None, app_communication: bool
) -> str:
    """How the certificate will arrive, and why, in German."""
    delivery = planned_delivery(
        cert_type=cert_type,
        for_self=for_self,
        service_level=service_level,
        app_communication=app_communication,
    )
    if delivery == Delivery.APP:
        return (
            "Ihre Versicherungsbescheinigung erhalten Sie direkt hier in der App. "
            "So haben Sie sie immer dabei."
        )
    if not for_self:
        return (
            "Die Bescheinigung kommt per Post an die hinterlegte Anschrift der versicherten "
            f"Person. {PRIVACY_REASON}"
        )
    hint = ""
    if cert_type == CertificateType.INSURANCE and service_level in SMART_LEVELS:
        hint = (
            " Schalten Sie unter Profil > Kommunikation/Mitteilungen die App-Kommunikation ein, "
            "dann erhalten Sie Ihre eigene Versicherungsbescheinigung direkt in der App."
        )
    elif cert_type == CertificateType.INSURANCE:
        hint = " Mit smart erhalten Sie Ihre eigene Versicherungsbescheinigung direkt in der App."
    return f"Die Bescheinigung kommt per Post an Ihre hinterlegte Anschrift.{hint}"


def _requester(session: Session, actor: Actor) -> Member:
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Bescheinigungen können nur Mitglieder anfordern.")
    member = session.get(Member, actor.member_id)
    if member is None:
        raise UnknownMember()
    return member


def _family_names(session: Session, owner_id: int) -> dict[str, str]:
    rows = session.exec(select(FamilyMember).where(FamilyMember.owner_member_id == owner_id)).all()
    return {row.kvnr: f"{row.first_name} {row.last_name}" for row in rows}


def _same_household(requester: Member, subject: Member) -> bool:
    return (
        requester.household_id is not None
        and requester.household_id == subject.household_id
        and requester.id != subject.id
    )


def _insured_on(member: Member, today: date) -> bool:
    return member.membership_start <= today and (
        member.membership_end is None or member.membership_end >= today
    )


def _check_whom(cert_type: CertificateType, *, for_self: bool) -> None:
    """Who-for-whom, decided before the number is looked up (so it reveals nothing)."""
    if cert_type == CertificateType.MEMBERSHIP and not for_self:
        raise CertificateRefused(
            "Eine Mitgliedsbescheinigung können Sie nur für sich selbst anfordern."
        )
    if cert_type == CertificateType.FAMILY_INSURANCE and for_self:
        raise CertificateRefused(
            "Für sich selbst fordern Sie bitte eine Versicherungsbescheinigung an. Die "
            "Familienversicherungsbescheinigung gilt für Angehörige, die über Sie "
            "versichert sind."
        )


def _check_rules(
    cert_type: CertificateType,
    *,
    requester: Member,
    subject: Member,
    family_kvnrs: set[str],
    today: date,
) -> None:
    """Raise CertificateRefused with the German reason, or return when the request may go."""
    if cert_type == CertificateType.MEMBERSHIP:
        if requester.membership_start > today:
            raise CertificateRefused(
                "Ihre Mitgliedschaft beginnt erst am "
                f"{requester.membership_start:%d.%m.%Y}. Eine Mitgliedsbescheinigung gibt es "
                "ab diesem Tag."
            )
        if requester.membership_end is not None and requester.membership_end < today:
            raise CertificateRefused(
                f"Ihre Mitgliedschaft endete am {requester.membership_end:%d.%m.%Y}. "
                "Eine Mitgliedsbescheinigung gibt es nur bei bestehender Mitgliedschaft."
            )
    elif cert_type == CertificateType.FAMILY_INSURANCE:
        if not (_same_household(requester, subject) or subject.kvnr in family_kvnrs):
            raise CertificateRefused(FAMILY_LIST_ONLY)
        if not _insured_on(subject, today):
            raise CertificateRefused(
                "Für diese Person besteht derzeit keine Familienversicherung bei der HEK."
            )


def _subject_label(
    requester: Member, subject: Member | None, family_names: dict[str, str], typed_kvnr: str
) -> str:
    """Name the person only as far as the requester already knows them."""
    if subject is None:
        return family_names.get(typed_kvnr) or f"Versichertennummer {typed_kvnr}"
    if subject.id == requester.id:
        return "Ich selbst"
    if _same_household(requester, subject):
        return f"{subject.first_name} {subject.last_name}"
    if subject.kvnr in family_names:
        return family_names[subject.kvnr]
    return f"Versichertennummer {subject.kvnr}"


def _stranger(requester: Member, subject: Member | None) -> bool:
    """Neither the requester nor their household: whose membership the requester must not learn."""
    return subject is None or (
        subject.id != requester.id and not _same_household(requester, subject)
    )


def _read(
    row: CertificateRequest,
    requester: Member,
    subject: Member | None,
    family_names: dict[str, str],
) -> CertificateRequestRead:
    """A stranger's request reads the same whether it matched a member or not: the neutral
    answer, and 'Offen' for good (its later progress would tell who is insured)."""
    label = _subject_label(requester, subject, family_names, row.typed_kvnr or "")
    if _stranger(requester, subject):
        update = {"status": CertificateStatus.OPEN, "confirmation": NEUTRAL_ANSWER}
    else:
        update = {
            "confirmation": f"Ihre {CERTIFICATE_LABELS[row.cert_type]} für „{label}“ ist "
            "angefordert."
        }
    return CertificateRequestRead.model_validate(row, update={"subject_label": label, **update})


def _refuse(session: Session, actor: Actor, refusal: DomainError, details: dict) -> NoReturn:
    """Audit a refused request (probing other people's numbers shows up here), then raise."""
    session.rollback()
    audit.record(
        session,
        actor=actor,
        action="certificate_refused",
        subject_type="certificate_request",
        subject_id="-",
        member_id=actor.member_id,
        details={**details, "reason": type(refusal).__name__},
    )
    session.commit()
    raise refusal


def _existing(session: Session, *, actor: Actor, key: str) -> CertificateRequest | None:
    row = session.exec(
        select(CertificateRequest).where(CertificateRequest.idempotency_key == key)
    ).first()
    if row is not None and row.requested_by_user_id != actor.user_id:
        raise NotAllowed()
    return row


def _insert_once(
    session: Session, *, row: CertificateRequest, actor: Actor, key: str
) -> CertificateRequest | None:
    """Insert the request; if the same idempotency key won a race in another session, roll
    back and return that earlier request instead (None: this one is new)."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = _existing(session, actor=actor, key=key)
        if earlier is None:
            raise
        return earlier
    return None


def _subject_of(session: Session, row: CertificateRequest) -> Member | None:
    if row.subject_member_id is None:
        return None
    return session.get(Member, row.subject_member_id)


def _file_unmatched(
    session: Session,
    *,
    actor: Actor,
    requester: Member,
    kind: CertificateType,
    kvnr: str,
    key: str,
    note: str | None,
    family_names: dict[str, str],
    now: datetime,
) -> CertificateRequestRead:
    """Keep a request whose number matches no (insured) member for a clerk to check."""
    row = CertificateRequest(
        cert_type=kind,
        delivery=Delivery.POST,
        status=CertificateStatus.UNMATCHED,
        note=(note or "").strip()[:200] or None,
        created_at=now,
        requested_by_user_id=actor.user_id,
        requester_member_id=requester.id,
        subject_member_id=None,
        typed_kvnr=kvnr,
        idempotency_key=key,
    )
    earlier = _insert_once(session, row=row, actor=actor, key=key)
    if earlier is not None:
        return _read(earlier, requester, _subject_of(session, earlier), family_names)
    audit.record(
        session,
        actor=actor,
        action="certificate_requested",
        subject_type="certificate_request",
        subject_id=row.id,
        member_id=None,
        details={"type": str(kind), "delivery": str(Delivery.POST), "unmatched": True},
    )
    session.commit()
    return _read(row, requester, None, family_names)


def request_key(form_id: str, cert_type: str, kvnr: str) -> str:
    """One idempotency key per form instance and choice, so a double click files one request."""
    canonical = "".join((kvnr or "").split()).upper()
    return hashlib.sha256(f"{form_id}|{cert_type}|{canonical}".encode()).hexdigest()


def request_certificate(
    session: Session,
    *,
    actor: Actor,
    cert_type: str,
    kvnr: str,
    idempotency_key: str,
    note: str | None = None,
    now: datetime | None = None,
) -> CertificateRequestRead:
    """File a request for the person with `kvnr`; a retry with the same key returns the first."""
    now = now or utcnow()
    requester = _requester(session, actor)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ValueError("idempotency_key must be 1 to 64 characters")
    family_names = _family_names(session, requester.id)
    earlier = _existing(session, actor=actor, key=key)
    if earlier is not None:
        return _read(earlier, requester, _subject_of(session, earlier), family_names)
    try:
        kind = CertificateType(cert_type)
    except ValueError:
        raise CertificateRefused("Diese Bescheinigung gibt es nicht.") from None
    canonical = normalize_kvnr(kvnr)
    details = {"type": str(kind)}
    try:
        _check_whom(kind, for_self=canonical == requester.kvnr)
    except CertificateRefused as refusal:
        _refuse(session, actor, refusal, details)
    if send_throttle.for_someone_else(session, actor, canonical):
        if kind == CertificateType.FAMILY_INSURANCE and canonical not in family_names:
            # decided from the requester's own list, before the number is looked up
            _refuse(session, actor, CertificateRefused(FAMILY_LIST_ONLY), details)
        try:
            send_throttle.count_kvnr_attempt(
                session, account_id=actor.user_id, kvnr=canonical, now=now
            )
        except send_throttle.TooManyKvnrs as refusal:
            _refuse(session, actor, refusal, details)
    subject = session.exec(select(Member).where(Member.kvnr == canonical)).first()
    if _stranger(requester, subject) and (
        subject is None
        or (kind == CertificateType.FAMILY_INSURANCE and not _insured_on(subject, today_berlin()))
    ):
        return _file_unmatched(
            session,
            actor=actor,
            requester=requester,
            kind=kind,
            kvnr=canonical,
            key=key,
            note=note,
            family_names=family_names,
            now=now,
        )
    if subject is None:  # the requester's own household always exists; defensive
        _refuse(session, actor, UnknownMember(), details)
    try:
        _check_rules(
            kind,
            requester=requester,
            subject=subject,
            family_kvnrs=set(family_names),
            today=today_berlin(),
        )
    except CertificateRefused as refusal:
        _refuse(session, actor, refusal, {**details, "subject_member_id": subject.id})
    delivery = planned_delivery(
        cert_type=kind,
        for_self=subject.id == requester.id,
        service_level=requester.service_level,
        app_communication=app_communication_enabled(session, member_id=requester.id),
    )
    row = CertificateRequest(
        cert_type=kind,
        delivery=delivery,
        status=CertificateStatus.OPEN,
        note=(note or "").strip()[:200] or None,
        created_at=now,
        requested_by_user_id=actor.user_id,
        requester_member_id=requester.id,
        subject_member_id=subject.id,
        idempotency_key=key,
    )
    earlier = _insert_once(session, row=row, actor=actor, key=key)
    if earlier is not None:
        return _read(earlier, requester, _subject_of(session, earlier), family_names)
    audit.record(
        session,
        actor=actor,
        action="certificate_requested",
        subject_type="certificate_request",
        subject_id=row.id,
        member_id=subject.id,
        details={**details, "delivery": str(delivery)},
    )
    session.commit()
    return _read(row, requester, subject, family_names)


def my_certificate_requests(session: Session, *, actor: Actor) -> list[CertificateRequestRead]:
    """The member's own requests, newest first."""
    requester = _requester(session, actor)
    family_names = _family_names(session, requester.id)
    rows = session.exec(
        select(CertificateRequest, Member)
        .outerjoin(Member, Member.id == CertificateRequest.subject_member_id)
        .where(CertificateRequest.requester_member_id == requester.id)
        .order_by(CertificateRequest.created_at.desc(), CertificateRequest.id.desc())
        .limit(MY_REQUESTS_LIMIT)
    ).all()
    return [_read(row, requester, subject, family_names) for row, subject in rows]


def open_certificate_requests(
    session: Session, *, actor: Actor, limit: int = 50, offset: int = 0, record_view: bool = True
) -> list[CertificateQueueItem]:
    """The back-office queue, oldest first; staff only.

    Every look is audited; a page redrawing the same view (a rerun) passes record_view=False.
    """
    if not actor.is_staff:
        raise NotAllowed()
    limit = max(1, min(limit, QUEUE_MAX_LIMIT))
    subject, requester = aliased(Member), aliased(Member)
    rows = session.exec(
        select(CertificateRequest, subject, requester)
        .join(subject, subject.id == CertificateRequest.subject_member_id)
        .join(requester, requester.id == CertificateRequest.requester_member_id)
        .where(CertificateRequest.status == CertificateStatus.OPEN)
        .order_by(CertificateRequest.created_at, CertificateRequest.id)
        .offset(max(0, offset))
        .limit(limit)
    ).all()
    if record_view:
        audit.record(
            session,
            actor=actor,
            action="view_certificate_queue",
            subject_type="certificate_request",
            subject_id="*",
            details={"offset": offset, "results": len(rows)},
        )
        session.commit()
    return [
        CertificateQueueItem.model_validate(
            row,
            update={
                "subject_member_id": who.id,
                "subject_name": f"{who.first_name} {who.last_name}",
                "subject_kvnr": who.kvnr,
                "requester_name": f"{by.first_name} {by.last_name}",
            },
        )
        for row, who, by in rows
    ]


def unmatched_certificate_requests(
    session: Session, *, actor: Actor, limit: int = 50, record_view: bool = True
) -> list[CertificateQueueItem]:
    """Requests for another person's number that matched no member, oldest first; staff only.

    A clerk checks each (a typo, a new member not yet in the table, or a probe).
    """
    if not actor.is_staff:
        raise NotAllowed()
    requester = aliased(Member)
    rows = session.exec(
        select(CertificateRequest, requester)
        .join(requester, requester.id == CertificateRequest.requester_member_id)
        .where(CertificateRequest.status == CertificateStatus.UNMATCHED)
        .order_by(CertificateRequest.created_at, CertificateRequest.id)
        .limit(max(1, min(limit, QUEUE_MAX_LIMIT)))
    ).all()
    if record_view:
        audit.record(
            session,
            actor=actor,
            action="view_unmatched_certificate_requests",
            subject_type="certificate_request",
            subject_id="*",
            details={"results": len(rows)},
        )
        session.commit()
    return [
        CertificateQueueItem.model_validate(
            row,
            update={
                "subject_member_id": None,
                "subject_name": STATUS_LABELS[CertificateStatus.UNMATCHED],
                "subject_kvnr": row.typed_kvnr or "",
                "requester_name": f"{by.first_name} {by.last_name}",
            },
        )
        for row, by in rows
    ]
