"""Inbox views: the presets every clerk has, and filter sets a clerk saves under a name.

Saved views are the clerk's own: only the owner lists, opens or deletes them.
"""

import json
from dataclasses import asdict, dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.actors import Actor
from core.clock import utcnow
from core.errors import DomainError, NotAllowed
from core.inbox import SORTS, InboxFilter
from core.models.saved_views import SavedInboxView

MAX_VIEWS = 30  # per clerk
MAX_NAME = 60


def presets(actor: Actor) -> dict[str, InboxFilter]:
    """The fixed views, by their German names."""
    return {
        "Alle offenen": InboxFilter(),
        "Nicht zugewiesen": InboxFilter(unassigned_only=True),
        "Meine Vorgänge": InboxFilter(clerk_id=actor.user_id),
        "Älter als 3 Tage": InboxFilter(older_than_days=3),
        "Erledigt und abgelehnt": InboxFilter(statuses=("erledigt", "abgelehnt", "rueckfrage")),
    }


class ViewRefused(DomainError):
    default_message = "Diese Ansicht kann nicht gespeichert werden."


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    criteria: InboxFilter
    sort: str


def to_json(criteria: InboxFilter, sort: str) -> str:
    return json.dumps({"criteria": asdict(criteria), "sort": sort}, ensure_ascii=False)


def _read(row: SavedInboxView) -> SavedView:
    stored = json.loads(row.filters)
    values = stored["criteria"]
    values["doc_types"] = tuple(values["doc_types"])
    values["statuses"] = tuple(values["statuses"])
    return SavedView(id=row.id, name=row.name, criteria=InboxFilter(**values), sort=stored["sort"])


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def my_views(session: Session, *, actor: Actor) -> list[SavedView]:
    """The signed-in clerk's saved views, by name."""
    _require_staff(actor)
    rows = session.exec(
        select(SavedInboxView)
        .where(SavedInboxView.owner_id == actor.user_id)
        .order_by(col(SavedInboxView.name))
    ).all()
    return [_read(row) for row in rows]


def save_view(
    session: Session, *, actor: Actor, name: str, criteria: InboxFilter, sort: str
) -> SavedView:
    """Save the current filter set under a name of the clerk's choosing."""
    _require_staff(actor)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ViewRefused(f"Bitte geben Sie der Ansicht einen Namen (bis {MAX_NAME} Zeichen).")
    if name in presets(actor):
        raise ViewRefused(f"„{name}“ ist eine feste Ansicht. Bitte wählen Sie einen anderen Namen.")
    if sort not in SORTS:
        raise ViewRefused()
    owned = select(func.count()).where(SavedInboxView.owner_id == actor.user_id)
    if session.exec(owned).one() >= MAX_VIEWS:
        raise ViewRefused(f"Sie können bis zu {MAX_VIEWS} eigene Ansichten speichern.")
    row = SavedInboxView(
        owner_id=actor.user_id,
        name=name,
        filters=to_json(criteria, sort),
        created_at=utcnow(),
    )
    try:
        session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ViewRefused(f"Eine Ansicht „{name}“ haben Sie bereits gespeichert.") from None
    return _read(row)


def delete_view(session: Session, *, actor: Actor, view_id: int) -> None:
    """Delete one of the clerk's own views; another clerk's view is not theirs to delete."""
    _require_staff(actor)
    row = session.get(SavedInboxView, view_id)
    if row is None or row.owner_id != actor.user_id:
        raise NotAllowed("Diese Ansicht gibt es nicht oder sie gehört nicht Ihnen.")
    session.delete(row)
    session.commit()
