"""Account administration for admins: list, activate and deactivate accounts."""

from datetime import datetime

from sqlmodel import Session, SQLModel, select

from core import auth
from core.actors import Actor
from core.errors import NotAllowed
from core.models.accounts import Role, UserAccount


class AccountRead(SQLModel):
    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    created_at: datetime


def _require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise NotAllowed()


def staff_accounts(session: Session, *, actor: Actor) -> list[AccountRead]:
    """Clerk and admin accounts (member accounts are many; they are managed by identification)."""
    _require_admin(actor)
    rows = session.exec(
        select(UserAccount).where(UserAccount.role != Role.MEMBER).order_by(UserAccount.username)
    ).all()
    return [AccountRead.model_validate(row) for row in rows]


def set_account_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> None:
    _require_admin(actor)
    if user_id == actor.user_id and not active:
        raise NotAllowed("Sie können Ihr eigenes Konto nicht deaktivieren.")
    auth.set_active(session, actor=actor, user_id=user_id, active=active)
