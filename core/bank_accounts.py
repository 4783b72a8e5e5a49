"""Bankverbindungen (FAQ smart: "Meine Daten / Kontaktdaten").

Every account a member ever gave is kept and listed; the one valid today is marked current.
A new account ends the previous one on the day before it starts. Every query is bound to
the actor's own member id, so nobody reaches another member's accounts.
"""

from datetime import date, timedelta

from schwifty import BIC, IBAN
from schwifty import exceptions as iban_errors
from sqlmodel import Session, col, or_, select

from core import audit
from core.actors import Actor
from core.clock import today_berlin, utcnow
from core.errors import DomainError
from core.models.banking import BankAccount, BankAccountRead
from core.models.people import Member
from core.smart import smart_member_id


class InvalidBankAccount(DomainError):
    default_message = "Die Bankverbindung ist ungültig."


_IBAN_PROBLEMS = (
    (iban_errors.InvalidChecksumDigits, "Die IBAN ist ungültig: die Prüfsumme stimmt nicht."),
    (iban_errors.InvalidCountryCode, "Die IBAN ist ungültig: das Länderkürzel ist unbekannt."),
    (iban_errors.InvalidLength, "Die IBAN ist ungültig: die Länge passt nicht zum Land."),
)
_BIC_PROBLEMS = (
    (iban_errors.InvalidLength, "Der BIC ist ungültig: er hat 8 oder 11 Zeichen."),
    (iban_errors.InvalidCountryCode, "Der BIC ist ungültig: das Länderkürzel ist unbekannt."),
)


def _compact(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def validate_iban(text: str) -> IBAN:
    """A checked IBAN from the SEPA area, or InvalidBankAccount with a German reason."""
    compact = _compact(text)
    if not compact:
        raise InvalidBankAccount("Bitte geben Sie die IBAN ein.")
    try:
        iban = IBAN(compact)
    except iban_errors.SchwiftyException as error:
        message = next((m for kind, m in _IBAN_PROBLEMS if isinstance(error, kind)), None)
        raise InvalidBankAccount(
            message or "Die IBAN ist ungültig: sie enthält unzulässige Zeichen."
        ) from None
    if not iban.in_sepa_zone:
        raise InvalidBankAccount("Bitte geben Sie eine IBAN aus dem SEPA-Raum an.")
    return iban


def validate_bic(text: str | None, *, iban: IBAN) -> str | None:
    """The checked BIC; left empty, the one schwifty knows for the IBAN's bank (if any)."""
    compact = _compact(text)
    if not compact:
        return str(iban.bic) if iban.bic else None
    try:
        return str(BIC(compact))
    except iban_errors.SchwiftyException as error:
        message = next((m for kind, m in _BIC_PROBLEMS if isinstance(error, kind)), None)
        raise InvalidBankAccount(
            message or "Der BIC ist ungültig: er ist falsch aufgebaut."
        ) from None


def _holder(text: str) -> str:
    holder = " ".join((text or "").split())
    if len(holder) < 2:
        raise InvalidBankAccount(
            "Bitte geben Sie den Namen der Kontoinhaberin/des Kontoinhabers ein."
        )
    if len(holder) > 70:
        raise InvalidBankAccount(
            "Der Name der Kontoinhaberin/des Kontoinhabers hat höchstens 70 Zeichen."
        )
    return holder


def _german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _status(account: BankAccount, today: date) -> tuple[bool, str]:
    until = account.valid_until
    if until is not None and until < account.valid_from:
        return False, "Ersetzt, bevor sie gültig wurde"
    if account.valid_from > today:
        return False, f"Gültig ab {_german(account.valid_from)}"
    if until is not None and until < today:
        return False, f"Gültig bis {_german(until)}"
    return True, "Aktuell gültig"


def _rows(session: Session, member_id: int) -> list[BankAccount]:
    return list(
        session.exec(
            select(BankAccount)
            .where(BankAccount.member_id == member_id)
            .order_by(col(BankAccount.valid_from).desc(), col(BankAccount.id).desc())
        ).all()
    )


def _read(rows: list[BankAccount], today: date) -> list[BankAccountRead]:
    """Newest first; the newest account valid today is the current one."""
    accounts, current_seen = [], False
    for row in rows:
        valid, status = _status(row, today)
        is_current = valid and not current_seen
        current_seen = current_seen or is_current
        accounts.append(
            BankAccountRead.model_validate(
                row, from_attributes=True, update={"is_current": is_current, "status": status}
            )
        )
    return accounts


def bank_accounts(
    session: Session, *, actor: Actor, today: date | None = None
) -> list[BankAccountRead]:
    """Every account the actor ever stored, newest first, the current one marked."""
    return _read(_rows(session, smart_member_id(actor)), today or today_berlin())


def add_bank_account(
    session: Session,
    *,
    actor: Actor,
    iban: str,
    bic: str | None,
    account_holder: str,
    valid_from: date | None = None,
    today: date | None = None,
) -> BankAccountRead:
    """Store a new account for the actor; the account valid until then ends the day before."""
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    valid_from = valid_from or today
    checked = validate_iban(iban)
    values = {
        "iban": checked.compact,
        "bic": validate_bic(bic, iban=checked),
        "account_holder": _holder(account_holder),
        "valid_from": valid_from,
    }
    if valid_from < today:
        raise InvalidBankAccount("Eine neue Bankverbindung kann frühestens ab heute gelten.")
    # One writer per member at a time, so two tabs cannot leave two open accounts.
    session.exec(select(Member.id).where(Member.id == member_id).with_for_update()).one()
    still_valid = session.exec(
        select(BankAccount).where(
            BankAccount.member_id == member_id,
            or_(col(BankAccount.valid_until).is_(None), BankAccount.valid_until >= valid_from),
        )
    ).all()
    if any(row.iban == values["iban"] for row in still_valid):
        raise InvalidBankAccount("Diese IBAN ist bereits als gültige Bankverbindung hinterlegt.")
    for row in still_valid:
        row.valid_until = valid_from - timedelta(days=1)
        session.add(row)
    account = BankAccount(member_id=member_id, created_at=utcnow(), **values)
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="bank_account_added",
        subject_type="bank_account",
        subject_id=account.id,
        member_id=member_id,
        details={"iban_end": values["iban"][-4:], "valid_from": valid_from.isoformat()},
    )
    session.commit()
    return next(a for a in _read(_rows(session, member_id), today) if a.id == account.id)
