"""Rate limit of the public "Passwort vergessen" form, kept in the database.

The form needs no sign-in, so anyone may try names and KVNRs with it. Each start counts
once for the typed user name, once for the typed KVNR (known or not, so a refusal reveals
no account) and, where the page knows it, once for the visitor's network address; past a
limit within the sliding window the form refuses, naming the time it opens again. There is
no overall limit: one visitor could use it up and so shut the form for everybody. The counts
live in the insurer's database, so a new browser session, a second server process or a
restart does not reset them.
"""

import hashlib
import ipaddress
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from core import auth
from core.clock import to_berlin
from core.identity.errors import TooManyResetAttempts
from core.models.identity import ResetAttempt

WINDOW = timedelta(hours=1)
PER_SUBJECT = 5  # starts per typed user name and per typed KVNR within WINDOW
PER_CLIENT = 20  # starts from one network address within WINDOW (a household shares one)

_SUBJECT_REFUSAL = (
    "Zu viele Versuche: Für diese Angaben wurde „Passwort vergessen“ innerhalb einer Stunde "
    "{limit}-mal gestartet. Aus Sicherheitsgründen geht es erst ab {again} Uhr wieder."
)
_CLIENT_REFUSAL = (
    "Zu viele Versuche: Von Ihrem Internetanschluss aus wurde „Passwort vergessen“ innerhalb "
    "einer Stunde {limit}-mal gestartet. Aus Sicherheitsgründen geht es von hier aus erst ab "
    "{again} Uhr wieder."
)


def _subject(kind: str, value: str) -> str:
    """A SHA-256, so the table does not list what visitors typed (rows expire after WINDOW)."""
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def client_network(address: str | None) -> str | None:
    """The network a start came from, or None where the address tells nothing about the visitor.

    One IPv6 visitor holds a whole /64. Loopback and private addresses are what the server sees
    behind a reverse proxy it does not trust for X-Forwarded-For (uvicorn trusts 127.0.0.1
    only, see FORWARDED_ALLOW_IPS): counting those would make every visitor one client again.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _limits(*, username: str, kvnr: str, client: str | None) -> list[tuple[str, int, str]]:
    """(hashed subject, starts allowed within WINDOW, refusal) for each count a start joins."""
    limits = [
        (_subject("user", auth.normalize_username(username or "")), PER_SUBJECT, _SUBJECT_REFUSAL),
        # as normalize_kvnr, unchecked
        (_subject("kvnr", "".join((kvnr or "").split()).upper()), PER_SUBJECT, _SUBJECT_REFUSAL),
    ]
    network = client_network(client)
    if network is not None:
        limits.append((_subject("client", network), PER_CLIENT, _CLIENT_REFUSAL))
    return limits


def count_reset_attempt(
    session: Session, *, username: str, kvnr: str, client: str | None = None, now: datetime
) -> None:
    """Count one start of the form (committed at once, so a refused start counts too), or
    raise TooManyResetAttempts without counting once a limit is reached. `client` is the
    visitor's IP address as the web server saw it, if known."""
    since = now - WINDOW
    session.exec(delete(ResetAttempt).where(col(ResetAttempt.attempted_at) <= since))
    limits = _limits(username=username, kvnr=kvnr, client=client)
    for subject, limit, refusal in limits:
        count, oldest = session.exec(
            select(func.count(), func.min(ResetAttempt.attempted_at)).where(
                ResetAttempt.subject == subject, col(ResetAttempt.attempted_at) > since
            )
        ).one()
        if count >= limit:
            session.commit()  # the expired rows stay deleted
            again = to_berlin(oldest + WINDOW).strftime("%H:%M")
            raise TooManyResetAttempts(refusal.format(limit=limit, again=again))
    session.add_all(ResetAttempt(subject=subject, attempted_at=now) for subject, _, _ in limits)
    session.commit()
