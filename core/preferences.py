"""App-Kommunikation (FAQ: "Profil > Kommunikation/Mitteilungen"): letters into the app or not."""

from sqlmodel import Session, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.models.people import Member
from core.models.preferences import CommunicationSettings, MemberPreference
from core.smart import smart_member_id


def app_communication_enabled(session: Session, *, member_id: int) -> bool:
    """For other services (inbox, certificates): may the HEK deliver into this member's app?"""
    preference = session.get(MemberPreference, member_id)
    return bool(preference and preference.app_communication)


def communication_settings(session: Session, *, actor: Actor) -> CommunicationSettings:
    """The smart member's own setting; off until they switch it on."""
    preference = session.get(MemberPreference, smart_member_id(actor))
    if preference is None:
        return CommunicationSettings(app_communication=False)
    return CommunicationSettings.model_validate(preference, from_attributes=True)


def set_app_communication(
    session: Session, *, actor: Actor, enabled: bool
) -> CommunicationSettings:
    """Switch App-Kommunikation on or off for the actor; audited when it changes."""
    member_id = smart_member_id(actor)
    # Lock the member row so two tabs switching at once cannot both insert the preference.
    session.exec(select(Member.id).where(Member.id == member_id).with_for_update()).one()
    preference = session.get(MemberPreference, member_id)
    if preference is not None and preference.app_communication == enabled:
        session.rollback()
        return CommunicationSettings.model_validate(preference, from_attributes=True)
    if preference is None:
        preference = MemberPreference(member_id=member_id, updated_at=utcnow())
    preference.app_communication = enabled
    preference.updated_at = utcnow()
    session.add(preference)
    audit.record(
        session,
        actor=actor,
        action="app_communication_on" if enabled else "app_communication_off",
        subject_type="member_preference",
        subject_id=member_id,
        member_id=member_id,
    )
    session.commit()
    return CommunicationSettings.model_validate(preference, from_attributes=True)
