"""smarthealth's rules with numbers (FAQ), and the gate every member-facing service passes."""

import calendar
from datetime import date

from sqlmodel import Session, select

from core.actors import Actor
from core.errors import NotAllowed
from core.health.errors import AccessEnded, NotEligible, OwnerOnly, RecordNotActive
from core.models.health_link import HealthLink
from core.models.people import Member, ServiceLevel
from core.smart import SMART_LEVELS

QUOTA_BYTES = 1024**3  # FAQ: "Sie haben einen Speicherplatz von 1 GB zur Verfügung."
ADULT_AGE = 18  # FAQ: children may use the record themselves from their 18th birthday
ACCESS_AFTER_MEMBERSHIP_MONTHS = 1  # FAQ: one month of smarthealth after the last member day
DORMANT_AFTER_MONTHS = 12  # FAQ: twelve months without access ...
DELETE_AFTER_MONTHS = 24  # ... then kept twelve more months, then deleted
TREATMENT_YEARS = 4  # FAQ: treatment data of the last four years (limitation periods)
MEDICATION_YEARS = 6  # FAQ: medication data of the last six years


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last day (31 Jan + 1)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def adult_from(birth: date) -> date:
    """The first day of full age.

    Born on 29 February: § 187 (2), § 188 (2) BGB end the 18th year with the day before the
    birthday's number, 28 February, so in a common year full age starts on 1 March.
    """
    year = birth.year + ADULT_AGE
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def smarthealth_access_until(membership_end: date) -> date:
    """The last day a former member may still open (and export) the record."""
    return add_months(membership_end, ACCESS_AFTER_MEMBERSHIP_MONTHS)


def owner_member_id(actor: Actor) -> int:
    """The actor's member id if they may hold a record: never staff, only smarthealth members."""
    if actor.is_staff or not actor.is_member or actor.member_id is None:
        raise OwnerOnly()
    if actor.service_level != ServiceLevel.SMARTHEALTH:
        raise NotAllowed("smarthealth steht Mitgliedern mit der smarthealth-Version zur Verfügung.")
    return actor.member_id


def candidate_member_id(actor: Actor) -> int:
    """The actor's member id if they may activate a record (or look up its status): smart and
    smarthealth members, never staff. Reading and writing the record needs owner_member_id."""
    if actor.is_staff or not actor.is_member or actor.member_id is None:
        raise OwnerOnly()
    if actor.service_level not in SMART_LEVELS:
        raise NotAllowed(
            "smarthealth setzt die smart-Version voraus. Wechseln Sie zuerst unter Profil > "
            "Zu smart wechseln mit eID zu smart."
        )
    return actor.member_id


def check_eligibility(member: Member, *, today: date, eid_verified: bool) -> None:
    """FAQ: activation needs smart reached by eID (Robo-Ident is not enough), full age and an
    active membership. A member already at level smarthealth has been through it."""
    if member.service_level not in SMART_LEVELS:
        raise NotEligible(
            "smarthealth setzt die smart-Version mit Identifizierung voraus. Bitte "
            "identifizieren Sie sich zuerst in der Service-App."
        )
    if member.service_level == ServiceLevel.SMART and not eid_verified:
        raise NotEligible(
            "smarthealth setzt eine Identifizierung mit eID (Personalausweis mit "
            "Online-Ausweisfunktion) voraus; Robo-Ident reicht dafür nicht aus. Identifizieren "
            "Sie sich unter Profil > Zu smart wechseln mit eID."
        )
    if today < adult_from(member.birth_date):
        raise NotEligible(
            "smarthealth können Sie ab Ihrem 18. Geburtstag selbst nutzen "
            f"(ab dem {adult_from(member.birth_date):%d.%m.%Y})."
        )
    if member.membership_end is not None and member.membership_end < today:
        raise NotEligible("smarthealth steht nur während einer HEK-Mitgliedschaft zur Verfügung.")


def active_link(session: Session, *, actor: Actor, today: date) -> HealthLink:
    """The actor's live link; refuses staff, unactivated records and ended access."""
    member_id = owner_member_id(actor)
    link = session.get(HealthLink, member_id)
    if link is None or link.terminated_at is not None:
        raise RecordNotActive()
    member = session.get(Member, member_id)
    if member.membership_end is not None:
        until = smarthealth_access_until(member.membership_end)
        if today > until:
            raise AccessEnded(
                f"Ihre HEK-Mitgliedschaft endete am {member.membership_end:%d.%m.%Y}; der "
                f"Zugang zu smarthealth endete einen Monat später, am {until:%d.%m.%Y}."
            )
    return link


def find_link(session: Session, *, actor: Actor) -> HealthLink | None:
    """The actor's link row if any (also a terminated one), for the page's status."""
    return session.exec(
        select(HealthLink).where(HealthLink.member_id == candidate_member_id(actor))
    ).first()
