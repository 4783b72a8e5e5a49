""" "Daten bei der HEK anfordern": the member's request and the back-office job that fulfils it.

The job reads the HEK's billing data and seals every entry to the record's PUBLIC key: once
written, neither the job nor any clerk can read an entry again. Only treatment data of the
last four years and medication data of the last six years are sent (FAQ: limitation
periods), and only quarters whose billing has reached the HEK (6 to 9 months later).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, func, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.health.billing_data import BillingItem, DataKind, quarter_start, synthetic_billing
from core.health.entries import entry_payload, locked_account, store_entry
from core.health.errors import InvalidEntry
from core.health.models import RecordImport
from core.health.rules import MEDICATION_YEARS, TREATMENT_YEARS, active_link, add_months
from core.models.people import Member

BILLING_DELAY_MONTHS = 6  # a quarter's claims reach the HEK six months after it ends


@dataclass(frozen=True)
class ImportReport:
    entries: int
    covered_until: date
    per_kind: dict[str, int]


def billing_cutoff(today: date) -> date:
    """The last day whose billing data has reached the HEK.

    A quarter arrives on the first day of the seventh month after it ends (Q1 on 1 October),
    so the newest data is 6 to 9 months old, as the FAQ says.
    """
    arrived_before = add_months(today.replace(day=1), -BILLING_DELAY_MONTHS)
    return quarter_start(arrived_before) - timedelta(days=1)


def retention_start(kind: DataKind, today: date) -> date:
    """The oldest day the HEK may still send: four years back, six for medication."""
    years = MEDICATION_YEARS if kind == DataKind.MEDICATION else TREATMENT_YEARS
    return add_months(today, -12 * years)


def importable(item: BillingItem, *, today: date) -> bool:
    return retention_start(item.kind, today) <= item.on <= billing_cutoff(today)


def request_hek_data(
    session: Session, health: Session, *, actor: Actor, kinds: list[DataKind], today: date
) -> ImportReport:
    """The member asks the HEK for their data; the job below runs for it straight away."""
    if not kinds:
        raise InvalidEntry("Bitte wählen Sie mindestens eine Datenart aus.")
    link = active_link(session, actor=actor, today=today)
    member = session.get(Member, link.member_id)
    audit.record(
        session,
        actor=actor,
        action="smarthealth_data_requested",
        subject_type="health_link",
        subject_id=member.id,
        member_id=member.id,
        details={"kinds": sorted(str(kind) for kind in kinds)},
    )
    session.commit()
    return import_billing_data(
        health, reference=link.reference_number, member=member, kinds=kinds, today=today
    )


def import_billing_data(
    health: Session, *, reference: str, member: Member, kinds: list[DataKind], today: date
) -> ImportReport:
    """The back-office job: new billing data since the last import, each sealed to the record.

    Runs without any private key; items already sent (up to the last `covered_until` of
    their kind) are not sent twice.
    """
    account = locked_account(health, reference)
    cutoff = billing_cutoff(today)
    per_kind: dict[str, int] = {}
    for kind in dict.fromkeys(DataKind(kind) for kind in kinds):
        covered = health.exec(
            select(func.max(RecordImport.covered_until)).where(
                RecordImport.reference_number == reference, RecordImport.kind == kind
            )
        ).one()
        start = retention_start(kind, today)
        if covered is not None:
            start = max(start, covered + timedelta(days=1))
        items = [
            item
            for item in synthetic_billing(
                member_id=member.id, birth=member.birth_date, start=start, end=cutoff
            )
            if item.kind == kind
        ]
        for item in items:
            payload = entry_payload(
                item.category, item.on, item.title, "", "hek", details=item.details
            )
            store_entry(health, account=account, payload=payload)
        health.add(
            RecordImport(
                reference_number=reference,
                kind=kind,
                requested_at=utcnow(),
                covered_until=max(cutoff, covered or cutoff),
                entries=len(items),
            )
        )
        per_kind[str(kind)] = len(items)
    health.commit()
    return ImportReport(entries=sum(per_kind.values()), covered_until=cutoff, per_kind=per_kind)
