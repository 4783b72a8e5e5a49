"""Demo personas: in demo mode an admin acts as a demo member or clerk in one click.

Acting as a persona opens a real server-side session for the persona's account (so every
rule, page and audit entry is the persona's), while the admin's own session stays open
for the way back. Both steps are audited with who acted as whom. Outside demo mode none
of this exists: every call is refused.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from core import audit, auth
from core.actors import Actor
from core.auth import SignedIn
from core.clock import utcnow
from core.errors import DomainError, NotAllowed, SessionEnded
from core.models.accounts import Role, UserAccount, UserSession
from core.models.people import Member
from core.seed import DEMO_PERSONAS, DemoPersona
from core.settings import get_settings

# The admin persona is who acts; everyone else is someone to act as.
ACTABLE: dict[str, DemoPersona] = {p.username: p for p in DEMO_PERSONAS if p.role != Role.ADMIN}


class NotInDemoMode(NotAllowed):
    default_message = "Diese Funktion gibt es nur im Demo-Modus."


class UnknownPersona(DomainError):
    default_message = "Diese Demo-Persona gibt es nicht (mehr). Bitte setzen Sie die Demo zurück."


@dataclass(frozen=True)
class PersonaRead:
    username: str
    display_name: str
    description: str
    role: str
    kvnr: str | None
    service_level: str | None  # as stored now: a tour may have moved Lena to smart


def require_demo_admin(actor: Actor) -> None:
    """Refuse outside demo mode and for anyone but an admin."""
    if not get_settings().demo_mode:
        raise NotInDemoMode()
    if actor.role != Role.ADMIN:
        raise NotAllowed("Nur Admins können als Demo-Persona handeln.")


def demo_personas(session: Session, *, admin: Actor) -> list[PersonaRead]:
    """The personas an admin can act as, in the order of core.seed.DEMO_PERSONAS."""
    require_demo_admin(admin)
    rows = session.exec(
        select(UserAccount.username, UserAccount.display_name, Member.kvnr, Member.service_level)
        .outerjoin(Member, Member.id == UserAccount.member_id)
        .where(col(UserAccount.username).in_(list(ACTABLE)), UserAccount.is_active)
    ).all()
    found = {row[0]: row for row in rows}
    return [
        PersonaRead(
            username=persona.username,
            display_name=found[persona.username][1],
            description=persona.description,
            role=str(persona.role),
            kvnr=found[persona.username][2],
            service_level=found[persona.username][3],
        )
        for persona in ACTABLE.values()
        if persona.username in found
    ]


def act_as(session: Session, *, admin: Actor, username: str) -> SignedIn:
    """Open a session for a demo persona on the admin's behalf (audited "impersonate")."""
    require_demo_admin(admin)
    if username not in ACTABLE:
        raise UnknownPersona()
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if user is None or not user.is_active:
        raise UnknownPersona()
    now = utcnow()
    token = secrets.token_urlsafe(32)
    # Stored like a login's session: only the token's hash (core.auth owns the scheme).
    session.add(
        UserSession(
            token_hash=auth._hash_token(token), user_id=user.id, created_at=now, last_seen_at=now
        )
    )
    persona = auth.actor_for(session, user)
    audit.record(
        session,
        actor=admin,
        action="impersonate",
        subject_type="user",
        subject_id=user.id,
        member_id=user.member_id,
        details={"admin": admin.username, "persona": username},
    )
    session.commit()
    return SignedIn(token=token, actor=persona)


def check_admin_session(session: Session, *, admin_token: str) -> Actor:
    """The admin behind an impersonation, still signed in (keeps the session alive too).

    Raises SessionEnded when the admin's session was ended or timed out meanwhile: a
    persona session is only valid while the admin's own session is.
    """
    admin = auth.resume(session, token=admin_token)
    if admin.role != Role.ADMIN:
        raise SessionEnded()
    return admin


def return_to_admin(session: Session, *, admin_token: str, persona_token: str) -> Actor:
    """End the persona's session and hand back the admin (audited "impersonate_end")."""
    persona: Actor | None
    try:
        persona = auth.resume(session, token=persona_token)
    except SessionEnded:
        persona = None
    auth.logout(session, token=persona_token)
    admin = check_admin_session(session, admin_token=admin_token)
    audit.record(
        session,
        actor=admin,
        action="impersonate_end",
        subject_type="user",
        subject_id=persona.user_id if persona else "-",
        member_id=persona.member_id if persona else None,
        details={"admin": admin.username, "persona": persona.username if persona else None},
    )
    session.commit()
    return admin


def end_both(session: Session, *, admin_token: str, persona_token: str | None) -> None:
    """Sign out completely: the persona's session and the admin's own."""
    if persona_token:
        auth.logout(session, token=persona_token)
    auth.logout(session, token=admin_token)


def session_started(session: Session, *, token: str) -> datetime | None:
    """When the session behind `token` began (the tour counts what happened since)."""
    return session.exec(
        select(UserSession.created_at).where(UserSession.token_hash == auth._hash_token(token))
    ).first()
