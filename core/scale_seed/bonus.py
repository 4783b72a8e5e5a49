"""Bonus programme Vorsorgeplus: enrolments and evidence, built on the seeded documents.

The files are already there (core.scale_seed.documents): an enrolment is an adult member's
"antrag" submission, each piece of evidence one of their later "bonus" submissions; the
programme's state follows what the clerk decided on that submission. Evidence respects
each category's limit per programme year (core.bonus).
"""

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, exists
from sqlmodel import col, select

from core import bonus
from core.clock import to_berlin
from core.db import session_scope
from core.models.bonus import BonusEnrolment, BonusEvidence, EnrolmentStatus, EvidenceStatus
from core.models.documents import Submission
from core.models.people import Member
from core.scale_seed.bulk import (
    MEMBER_CHUNK,
    Progress,
    bulk_transaction,
    count_members,
    member_chunks,
    not_in_persona_household,
)
from core.scale_seed.documents import DONE, IN_PROGRESS, RECEIVED, REJECTED

ENROL_SHARE = 0.6  # of the members whose application was followed by bonus evidence
EVIDENCE_DAYS_BEFORE = 40  # a check-up is sent in a few weeks later (6-week grace period)
ENROLMENT_BY_APPLICATION = {
    DONE: EnrolmentStatus.ACTIVE,
    RECEIVED: EnrolmentStatus.APPLIED,
    IN_PROGRESS: EnrolmentStatus.APPLIED,
}
EVIDENCE_BY_SUBMISSION = {DONE: EvidenceStatus.ACCEPTED, REJECTED: EvidenceStatus.REJECTED}


def without_enrolment():
    return (
        ~exists().where(BonusEnrolment.member_id == Member.id),
        exists().where(Submission.member_id == Member.id, Submission.doc_type == "antrag"),
        not_in_persona_household(),
    )


def _documents(engine: Engine, first: int, last: int) -> dict[int, list[tuple]]:
    """Applications and evidence files of members first..last, oldest first."""
    with session_scope(engine=engine) as session:
        rows = session.exec(
            select(
                Submission.member_id,
                Submission.id,
                Submission.doc_type,
                Submission.created_at,
                Submission.status,
                Submission.decided_at,
                Submission.assigned_clerk_id,
            )
            .where(
                Submission.member_id.between(first, last),
                col(Submission.doc_type).in_(["antrag", "bonus"]),
            )
            .order_by(Submission.member_id, Submission.created_at)
        ).all()
    found: dict[int, list[tuple]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(tuple(row[1:]))
    return found


class BonusFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.categories = bonus.categories()
        self.enrolments: list[dict] = []
        self.evidence: list[dict] = []

    def for_member(self, member_id: int, birth_date, documents: list[tuple]) -> None:
        applications = [doc for doc in documents if doc[1] == "antrag"]
        if not applications:
            return
        application_id, _, applied_at, status, decided_at, _ = applications[0]
        starts_on = to_berlin(applied_at).date()
        later = [doc for doc in documents if doc[1] == "bonus" and doc[2] > applied_at]
        adult = starts_on >= bonus.eighteenth_birthday(birth_date)
        if not later or not adult or self.rng.random() >= ENROL_SHARE:
            return
        enrolment = ENROLMENT_BY_APPLICATION.get(status, EnrolmentStatus.REJECTED)
        self.enrolments.append(
            {
                "member_id": member_id,
                "submission_id": application_id,
                "status": str(enrolment),
                "starts_on": starts_on,
                "applied_at": applied_at,
                "confirmed_at": decided_at if enrolment == EnrolmentStatus.ACTIVE else None,
            }
        )
        if enrolment == EnrolmentStatus.ACTIVE:
            self._evidence(member_id, starts_on, later)

    def _evidence(self, member_id: int, starts_on, documents: list[tuple]) -> None:
        used: Counter[tuple[int, str]] = Counter()
        for submission_id, _, created_at, status, decided_at, clerk in documents:
            submitted_on = to_berlin(created_at).date()
            back = self.rng.randrange(EVIDENCE_DAYS_BEFORE)
            evidence_date = max(starts_on, submitted_on - timedelta(days=back))
            year = bonus.programme_year(starts_on, evidence_date).number
            allowed = [c for c in self.categories if used[year, c.id] < c.per_year]
            if not allowed:
                continue
            category = self.rng.choice(allowed)
            used[year, category.id] += 1
            outcome = EVIDENCE_BY_SUBMISSION.get(status, EvidenceStatus.SUBMITTED)
            reviewed = outcome != EvidenceStatus.SUBMITTED
            self.evidence.append(
                {
                    "member_id": member_id,
                    "submission_id": submission_id,
                    "category": category.id,
                    "evidence_date": evidence_date,
                    "submitted_on": submitted_on,
                    "status": str(outcome),
                    "points": category.points,
                    "reviewed_at": decided_at if reviewed else None,
                    "reviewed_by": clerk if reviewed else None,
                }
            )


def seed_bonus(engine: Engine, *, seed: int = 2026, progress: Progress | None = None) -> int:
    """Enrolments and evidence for members with an application and no enrolment yet."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    conditions = without_enrolment()
    total = count_members(engine, *conditions)
    columns = (Member.id, Member.birth_date)
    done = inserted = 0
    for members in member_chunks(engine, columns, *conditions, size=MEMBER_CHUNK):
        documents = _documents(engine, members[0][0], members[-1][0])
        factory = BonusFactory(rng)
        for member_id, birth_date in members:
            factory.for_member(member_id, birth_date, documents.get(member_id, []))
        with bulk_transaction(engine) as writer:
            inserted += writer.insert(BonusEnrolment.__table__, factory.enrolments)
            inserted += writer.insert(BonusEvidence.__table__, factory.evidence)
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
