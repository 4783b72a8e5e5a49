"""How many other people's KVNRs one account may send documents or request certificates for.

FAQ: members may send documents for someone else, so "Dokument senden" accepts every HEK
member's KVNR; and so whether it accepts a number tells whether that person is insured with
the HEK. Each account may therefore try at most PER_ACCOUNT different numbers within WINDOW
besides its own and its household's, known or not; a number tried again within the window
costs nothing. The pattern of core.identity.reset_throttle: hashed numbers, counted in the
insurer's database (a new browser session or a restart resets nothing), expired rows deleted.
"Bescheinigungen anfordern" for another person (core.certificates) shares the same budget.
"""

import hashlib
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from core.actors import Actor
from core.clock import to_berlin
from core.errors import DomainError
from core.models.documents import SendKvnrAttempt
from core.models.people import Member

WINDOW = timedelta(hours=1)
PER_ACCOUNT = 10  # different numbers besides one's own and the household's, within WINDOW


class TooManyKvnrs(DomainError):
    default_message = (
        "Sie haben zu viele verschiedene Versichertennummern eingegeben. Bitte versuchen Sie "
        "es in einer Stunde erneut."
    )


def for_someone_else(session: Session, actor: Actor, kvnr: str) -> bool:
    """A member acting for a number that is neither their own nor their household's (staff
    file post and messenger attachments for any member)."""
    if not actor.is_member:
        return False
    me = session.get(Member, actor.member_id) if actor.member_id is not None else None
    if me is None:
        return True
    if me.household_id is None:
        return kvnr != me.kvnr
    housemate = session.exec(  # the member themself is one of the household too
        select(Member.id).where(Member.kvnr == kvnr, Member.household_id == me.household_id)
    ).first()
    return housemate is None


def _hashed(kvnr: str) -> str:
    """So the table does not list the numbers an account typed."""
    return hashlib.sha256(f"send-kvnr\x00{kvnr}".encode()).hexdigest()


def count_kvnr_attempt(session: Session, *, account_id: int, kvnr: str, now: datetime) -> None:
    """Count a canonical KVNR this account sends for (committed at once, so a number that
    belongs to nobody counts too), or raise TooManyKvnrs, counting nothing, once PER_ACCOUNT
    other numbers were tried within WINDOW."""
    since = now - WINDOW
    session.exec(delete(SendKvnrAttempt).where(col(SendKvnrAttempt.attempted_at) <= since))
    recent = (SendKvnrAttempt.account_id == account_id, col(SendKvnrAttempt.attempted_at) > since)
    subject = _hashed(kvnr)
    again = session.exec(
        select(SendKvnrAttempt.id).where(*recent, SendKvnrAttempt.kvnr_hash == subject)
    ).first()
    if again is None:
        tried, oldest = session.exec(
            select(func.count(), func.min(SendKvnrAttempt.attempted_at)).where(*recent)
        ).one()
        if tried >= PER_ACCOUNT:
            session.commit()  # the expired rows stay deleted
            opens = to_berlin(oldest + WINDOW).strftime("%H:%M")
            raise TooManyKvnrs(
                f"Sie haben innerhalb einer Stunde {PER_ACCOUNT} verschiedene "
                "Versichertennummern anderer Personen eingegeben (Dokument senden, "
                "Bescheinigungen). Aus Sicherheitsgründen geht das für weitere Nummern erst ab "
                f"{opens} Uhr wieder; für sich selbst und Ihren Haushalt geht es weiterhin."
            )
        session.add(SendKvnrAttempt(account_id=account_id, kvnr_hash=subject, attempted_at=now))
    session.commit()
