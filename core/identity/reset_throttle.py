"""Rate limit of the public "Passwort vergessen" form, kept in the database.

The form needs no sign-in, so anyone may try names and KVNRs with it. Each start counts
once for the typed user name, once for the typed KVNR (known or not, so a refusal reveals
no account) and once overall; past a limit within the sliding window the form refuses,
naming the time it opens again. The counts live in the insurer's database, so a new browser
session, a second server process or a restart does not reset them.
"""

import hashlib
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from core import auth
from core.clock import to_berlin
from core.identity.errors import TooManyResetAttempts
from core.models.identity import ResetAttempt

WINDOW = timedelta(hours=1)
PER_SUBJECT = 5  # starts per typed user name and per typed KVNR within WINDOW
OVERALL = 200  # starts of the form by anyone within WINDOW
_OVERALL_SUBJECT = "overall"


def _subject(kind: str, value: str) -> str:
    """A SHA-256, so the table does not list what visitors typed (rows expire after WINDOW)."""
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def _subjects(*, username: str, kvnr: str) -> tuple[str, str]:
    return (
        _subject("user", auth.normalize_username(username or "")),
        _subject("kvnr", "".join((kvnr or "").split()).upper()),  # as normalize_kvnr, unchecked
    )


def _refusal(oldest: datetime, *, overall: bool) -> TooManyResetAttempts:
    again = to_berlin(oldest + WINDOW).strftime("%H:%M")
    if overall:
        return TooManyResetAttempts(
            "Derzeit wird „Passwort vergessen“ sehr häufig genutzt. Aus Sicherheitsgründen "
            f"ist es vorübergehend gesperrt; bitte versuchen Sie es ab {again} Uhr erneut."
        )
    return TooManyResetAttempts(
        f"Zu viele Versuche: Für diese Angaben wurde „Passwort vergessen“ innerhalb einer "
        f"Stunde {PER_SUBJECT}-mal gestartet. Aus Sicherheitsgründen geht es erst ab {again} "
        "Uhr wieder."
    )


def count_reset_attempt(session: Session, *, username: str, kvnr: str, now: datetime) -> None:
    """Count one start of the form (committed at once, so a refused start counts too), or
    raise TooManyResetAttempts without counting once a limit is reached."""
    since = now - WINDOW
    session.exec(delete(ResetAttempt).where(col(ResetAttempt.attempted_at) <= since))
    own = _subjects(username=username, kvnr=kvnr)
    limits = [(subject, PER_SUBJECT, False) for subject in own]
    limits.append((_OVERALL_SUBJECT, OVERALL, True))
    for subject, limit, overall in limits:
        count, oldest = session.exec(
            select(func.count(), func.min(ResetAttempt.attempted_at)).where(
                ResetAttempt.subject == subject, col(ResetAttempt.attempted_at) > since
            )
        ).one()
        if count >= limit:
            session.commit()  # the expired rows stay deleted
            raise _refusal(oldest, overall=overall)
    session.add_all(
        ResetAttempt(subject=subject, attempted_at=now) for subject in (*own, _OVERALL_SUBJECT)
    )
    session.commit()
