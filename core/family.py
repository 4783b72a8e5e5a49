"""Family members under "meine Daten" (FAQ: kept to request certificates or send a sick note).

A member only ever sees and changes their own list: an entry of somebody else is answered
exactly like one that does not exist.
"""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.errors import DomainError, NotAllowed, UnknownMember
from core.kvnr import normalize_kvnr
from core.models.family import FamilyMember, FamilyMemberRead, FamilyRelation
from core.models.people import Member

MAX_FAMILY_MEMBERS = 20
RELATIONS = tuple(str(relation) for relation in FamilyRelation)  # for the form's choices


class FamilyMemberNotFound(DomainError):
    default_message = "Dieser Eintrag wurde nicht gefunden."


class InvalidFamilyMember(DomainError):
    default_message = "Die Angaben zum Familienmitglied sind unvollständig."


class DuplicateFamilyMember(InvalidFamilyMember):
    default_message = "Eine Person mit dieser Versichertennummer steht bereits in Ihrer Liste."


@dataclass(frozen=True)
class FormPerson:
    """Someone a member can pick on a form (certificate, sick note); the KVNR stays server-side."""

    kvnr: str
    label: str
    is_self: bool


def _owner_id(actor: Actor) -> int:
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Familienmitglieder können nur Mitglieder hinterlegen.")
    return actor.member_id


def _clean_name(text: str, label: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise InvalidFamilyMember(f"Bitte geben Sie den {label} ein.")
    if len(name) > 80:
        raise InvalidFamilyMember(f"Der {label} darf höchstens 80 Zeichen lang sein.")
    return name


def _clean_relation(relation: str) -> str:
    try:
        return str(FamilyRelation(relation))
    except ValueError:
        raise InvalidFamilyMember("Bitte wählen Sie die Beziehung aus der Liste.") from None


def _validated(
    session: Session,
    *,
    owner_id: int,
    first_name: str,
    last_name: str,
    kvnr: str,
    relation: str,
    entry_id: int | None = None,
) -> dict:
    values = {
        "first_name": _clean_name(first_name, "Vornamen"),
        "last_name": _clean_name(last_name, "Nachnamen"),
        "kvnr": normalize_kvnr(kvnr),
        "relation": _clean_relation(relation),
    }
    own_kvnr = session.exec(select(Member.kvnr).where(Member.id == owner_id)).one()
    if values["kvnr"] == own_kvnr:
        raise InvalidFamilyMember("Das ist Ihre eigene Versichertennummer.")
    twin = session.exec(
        select(FamilyMember.id).where(
            FamilyMember.owner_member_id == owner_id, FamilyMember.kvnr == values["kvnr"]
        )
    ).first()
    if twin is not None and twin != entry_id:
        raise DuplicateFamilyMember()
    return values


def _own_entry(session: Session, *, owner_id: int, family_member_id: int) -> FamilyMember:
    entry = session.get(FamilyMember, family_member_id)
    if entry is None or entry.owner_member_id != owner_id:
        raise FamilyMemberNotFound()
    return entry


def _save(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:  # a concurrent add of the same KVNR won the race
        session.rollback()
        raise DuplicateFamilyMember() from None


def list_family(session: Session, *, actor: Actor) -> list[FamilyMemberRead]:
    """The actor's own family list, oldest entry first."""
    owner_id = _owner_id(actor)
    rows = session.exec(
        select(FamilyMember)
        .where(FamilyMember.owner_member_id == owner_id)
        .order_by(FamilyMember.created_at, FamilyMember.id)
    ).all()
    return [FamilyMemberRead.model_validate(row) for row in rows]


def add_family_member(
    session: Session,
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    kvnr: str,
    relation: str,
) -> FamilyMemberRead:
    """Add a person to the actor's list; the KVNR must be valid, not necessarily an HEK one."""
    owner_id = _owner_id(actor)
    values = _validated(
        session,
        owner_id=owner_id,
        first_name=first_name,
        last_name=last_name,
        kvnr=kvnr,
        relation=relation,
    )
    count = session.exec(
        select(func.count())
        .select_from(FamilyMember)
        .where(FamilyMember.owner_member_id == owner_id)
    ).one()
    if count >= MAX_FAMILY_MEMBERS:
        raise InvalidFamilyMember(
            f"Sie können höchstens {MAX_FAMILY_MEMBERS} Familienmitglieder hinterlegen."
        )
    entry = FamilyMember(owner_member_id=owner_id, created_at=utcnow(), **values)
    session.add(entry)
    _save(session)
    audit.record(
        session,
        actor=actor,
        action="family_member_added",
        subject_type="family_member",
        subject_id=entry.id,
        member_id=owner_id,
        details={"relation": values["relation"]},
    )
    session.commit()
    return FamilyMemberRead.model_validate(entry)


def edit_family_member(
    session: Session,
    *,
    actor: Actor,
    family_member_id: int,
    first_name: str,
    last_name: str,
    kvnr: str,
    relation: str,
) -> FamilyMemberRead:
    """Change one of the actor's own entries."""
    owner_id = _owner_id(actor)
    entry = _own_entry(session, owner_id=owner_id, family_member_id=family_member_id)
    values = _validated(
        session,
        owner_id=owner_id,
        first_name=first_name,
        last_name=last_name,
        kvnr=kvnr,
        relation=relation,
        entry_id=entry.id,
    )
    for field, value in values.items():
        setattr(entry, field, value)
    session.add(entry)
    _save(session)
    audit.record(
        session,
        actor=actor,
        action="family_member_changed",
        subject_type="family_member",
        subject_id=entry.id,
        member_id=owner_id,
        details={"relation": values["relation"]},
    )
    session.commit()
    return FamilyMemberRead.model_validate(entry)


def remove_family_member(session: Session, *, actor: Actor, family_member_id: int) -> None:
    """Delete one of the actor's own entries; requests already filed stay as they are."""
    owner_id = _owner_id(actor)
    entry = _own_entry(session, owner_id=owner_id, family_member_id=family_member_id)
    session.delete(entry)
    audit.record(
        session,
        actor=actor,
        action="family_member_removed",
        subject_type="family_member",
        subject_id=family_member_id,
        member_id=owner_id,
    )
    session.commit()


def people_for_forms(session: Session, *, actor: Actor) -> list[FormPerson]:
    """Oneself, then the household, then the family list (each person once).

    What the certificate request and "Dokument senden" offer under "Für wen?".
    """
    me = session.get(Member, _owner_id(actor))
    if me is None:
        raise UnknownMember()
    candidates = [(me.kvnr, f"Ich selbst ({me.first_name})")]
    if me.household_id is not None:
        household = session.exec(
            select(Member)
            .where(Member.household_id == me.household_id, Member.id != me.id)
            .order_by(Member.birth_date, Member.id)
        ).all()
        candidates += [(p.kvnr, f"{p.first_name} {p.last_name} (Haushalt)") for p in household]
    candidates += [
        (e.kvnr, f"{e.full_name} ({e.relation})") for e in list_family(session, actor=actor)
    ]
    people: dict[str, FormPerson] = {}
    for kvnr, label in candidates:
        people.setdefault(kvnr, FormPerson(kvnr=kvnr, label=label, is_self=kvnr == me.kvnr))
    return list(people.values())
