"""The smart level's gate inside core: pages are hidden by the registry, services check again."""

from core.actors import Actor
from core.errors import NotAllowed
from core.models.people import ServiceLevel

SMART_LEVELS = frozenset({ServiceLevel.SMART, ServiceLevel.SMARTHEALTH})


def smart_member_id(actor: Actor) -> int:
    """The actor's own member id, if they are a member identified for smart (or smarthealth)."""
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed("Diese Funktion steht nur Mitgliedern zur Verfügung.")
    if actor.service_level not in SMART_LEVELS:
        raise NotAllowed("Diese Funktion steht ab der smart-Version zur Verfügung.")
    return actor.member_id
