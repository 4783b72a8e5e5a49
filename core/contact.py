"""Kontaktdaten (FAQ smart: "Kontakt- und Bankdaten prüfen und ändern"): address, phone, e-mail.

Only the shape is checked here; the columns are the member's master data. Every change is
audited with the names of the fields that changed, never their values.
"""

import re
from dataclasses import dataclass

from sqlmodel import Session, SQLModel, select

from core import audit
from core.actors import Actor
from core.errors import DomainError, UnknownMember
from core.models.people import Member
from core.smart import smart_member_id

FIELD_LABELS = {
    "street": "Straße und Hausnummer",
    "postal_code": "Postleitzahl",
    "city": "Ort",
    "phone": "Telefon",
    "email": "E-Mail",
}
# A street name, then a house number with an optional letter or range: "Hafenstraße 41",
# "Straße des 17. Juni 114", "Am Markt 3a", "Q7 12", "Lange Reihe 10-12".
_STREET = re.compile(r"^\D.*\s\d+\s?[A-Za-z]?(?:\s?[-/]\s?\d+\s?[A-Za-z]?)?$")
# Characters a German address is written with; brackets, "<", "*", "#", "!" and the like
# only ever arrive as Markdown or HTML aimed at whoever reads the address next.
_ADDRESS_PUNCTUATION = frozenset(" .-/',’")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_PHONE = re.compile(r"^\+?[\d /()-]+$")
_EMAIL = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[A-Za-z]{2,}$")


class InvalidContact(DomainError):
    default_message = "Die Kontaktdaten sind unvollständig."

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("  \n".join(problems))


class ContactData(SQLModel):
    street: str
    postal_code: str
    city: str
    phone: str | None = None
    email: str | None = None

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


@dataclass(frozen=True)
class ContactChange:
    contact: ContactData
    changed: tuple[str, ...]  # German labels of the fields that changed; empty if none


def _tidy(text: str | None) -> str:
    return " ".join((text or "").split())


def _written_like_an_address(text: str) -> bool:
    """Letters (umlauts and accents too), digits, spaces and . - / ' , only."""
    return all(char.isalnum() or char in _ADDRESS_PUNCTUATION for char in text)


def _street(text: str, problems: list[str]) -> str:
    street = _tidy(text)
    if not street:
        problems.append("Bitte geben Sie Straße und Hausnummer ein.")
    elif len(street) > 120:
        problems.append("Straße und Hausnummer dürfen höchstens 120 Zeichen lang sein.")
    elif not _written_like_an_address(street):
        problems.append(
            "Straße und Hausnummer dürfen nur Buchstaben, Ziffern, Leerzeichen und . - / ' , "
            "enthalten."
        )
    elif not _STREET.match(street):
        problems.append(
            "Bitte geben Sie Straße und Hausnummer an, z. B. „Hafenstraße 41“ "
            "(Postfächer sind nicht möglich)."
        )
    return street


def _postal_code(text: str, problems: list[str]) -> str:
    code = (text or "").strip()
    if not _POSTAL_CODE.match(code):
        problems.append("Die Postleitzahl muss aus genau 5 Ziffern bestehen.")
    elif code.startswith("00"):  # German postal codes run from 01001 to 99998
        problems.append("Diese Postleitzahl gibt es in Deutschland nicht.")
    return code


def _city(text: str, problems: list[str]) -> str:
    city = _tidy(text)
    if len(city) < 2:
        problems.append("Bitte geben Sie den Ort ein.")
    elif len(city) > 80:
        problems.append("Der Ort darf höchstens 80 Zeichen lang sein.")
    elif not _written_like_an_address(city):
        problems.append(
            "Der Ort darf nur Buchstaben, Leerzeichen und . - / ' , enthalten, "
            "z. B. „Frankfurt am Main“ oder „Halle (Saale)“ als „Halle/Saale“."
        )
    elif any(char.isdigit() for char in city) or not city[0].isalpha():
        problems.append(
            "Der Ort darf keine Ziffern enthalten und muss mit einem Buchstaben beginnen."
        )
    return city


def _phone(text: str | None, problems: list[str]) -> str | None:
    phone = _tidy(text)
    if not phone:
        return None
    digits = sum(char.isdigit() for char in phone)
    if not _PHONE.match(phone) or phone[0] not in "+0":
        problems.append(
            "Die Telefonnummer ist ungültig: Sie beginnt mit + oder 0 und enthält nur Ziffern, "
            "Leerzeichen und / ( ) -, z. B. +49 40 1234567."
        )
    elif not 6 <= digits <= 15:  # E.164: at most 15 digits
        problems.append("Die Telefonnummer muss zwischen 6 und 15 Ziffern haben.")
    return phone


def _email(text: str | None, problems: list[str]) -> str | None:
    email = (text or "").strip()
    if not email:
        return None
    local, _, domain = email.rpartition("@")
    if (
        len(email) > 254
        or len(local) > 64
        or not _EMAIL.match(email)
        or ".." in email
        or local.startswith(".")
        or local.endswith(".")
    ):
        problems.append("Die E-Mail-Adresse ist ungültig, z. B. name@example.org.")
        return email
    return f"{local}@{domain.lower()}"


def validate_contact(
    *, street: str, postal_code: str, city: str, phone: str | None, email: str | None
) -> ContactData:
    """The cleaned contact data, or InvalidContact naming every problem in German."""
    problems: list[str] = []
    cleaned = ContactData(
        street=_street(street, problems),
        postal_code=_postal_code(postal_code, problems),
        city=_city(city, problems),
        phone=_phone(phone, problems),
        email=_email(email, problems),
    )
    if problems:
        raise InvalidContact(problems)
    return cleaned


def _own_member(session: Session, member_id: int, *, lock: bool = False) -> Member:
    statement = select(Member).where(Member.id == member_id)
    member = session.exec(statement.with_for_update() if lock else statement).first()
    if member is None:
        raise UnknownMember()
    return member


def contact_data(session: Session, *, actor: Actor) -> ContactData:
    """The smart member's own address, phone and e-mail."""
    member = _own_member(session, smart_member_id(actor))
    return ContactData.model_validate(member, from_attributes=True)


def change_contact(
    session: Session,
    *,
    actor: Actor,
    street: str,
    postal_code: str,
    city: str,
    phone: str | None,
    email: str | None,
) -> ContactChange:
    """Validate and store the member's own contact data; audited when something changed."""
    member_id = smart_member_id(actor)
    cleaned = validate_contact(
        street=street, postal_code=postal_code, city=city, phone=phone, email=email
    )
    member = _own_member(session, member_id, lock=True)
    changed = [field for field in FIELD_LABELS if getattr(member, field) != getattr(cleaned, field)]
    if not changed:
        session.rollback()
        return ContactChange(contact=cleaned, changed=())
    for field in changed:
        setattr(member, field, getattr(cleaned, field))
    session.add(member)
    audit.record(
        session,
        actor=actor,
        action="contact_changed",
        subject_type="member",
        subject_id=member_id,
        member_id=member_id,
        details={"fields": changed},
    )
    session.commit()
    return ContactChange(contact=cleaned, changed=tuple(FIELD_LABELS[f] for f in changed))
