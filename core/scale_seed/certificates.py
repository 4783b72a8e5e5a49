"""Certificates over six years: smart members' requests and what the back office issued.

FAQ rules the rows follow (core.certificates): a smart member's own certificate goes into
the app when App-Kommunikation is on, anything about another person goes by post; a
Familienversicherungsbescheinigung is for a relative in the household. Basic members phone
or write: their certificates are issued by post without an app request. Every issued row
carries a payload signed with the certificate key and no PDF yet (blob_id NULL, no SHA-256):
the first download renders it from that payload and stores it (core.certificate_issuing);
rendering all of them here would cost about 36 ms each.
"""

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Engine, exists
from sqlmodel import select

from core import crypto
from core.certificate_seal import configured_signing_key, payload_fields
from core.clock import to_berlin
from core.models.accounts import UserAccount
from core.models.certificates import CertificateRequest, CertificateStatus, CertificateType
from core.models.issued_certificates import IssuedCertificate
from core.models.people import Member
from core.models.preferences import MemberPreference
from core.scale_seed.bulk import (
    MEMBER_CHUNK,
    Progress,
    bulk_transaction,
    count_members,
    member_chunks,
    not_in_persona_household,
)
from core.scale_seed.documents import clerk_ids

HISTORY_SECONDS = 6 * 365 * 86_400
REQUESTS_PER_SMART_MEMBER = ((0, 1, 2, 3), (45, 35, 15, 5))
OWN_TYPES = ((CertificateType.INSURANCE, CertificateType.MEMBERSHIP), (65, 35))
FOR_RELATIVE_SHARE = 0.2
BASIC_POSTAL_SHARE = 0.2  # basic members who asked by phone or letter for one
OPEN_WITHIN_HOURS = 36  # requests younger than this may still wait for a clerk
HANDLING_MEDIAN_HOURS = 18.0


class Facts(NamedTuple):
    """What a certificate payload names, read with the member (duck-types Member)."""

    id: int
    kvnr: str
    first_name: str
    last_name: str
    birth_date: date
    membership_start: date
    membership_end: date | None
    service_level: str
    household_id: int
    account_id: int | None
    app_communication: bool | None


_ACCOUNT = (
    select(UserAccount.id).where(UserAccount.member_id == Member.id).limit(1).scalar_subquery()
)
_APP = (
    select(MemberPreference.app_communication)
    .where(MemberPreference.member_id == Member.id)
    .scalar_subquery()
)
COLUMNS = (
    Member.id,
    Member.kvnr,
    Member.first_name,
    Member.last_name,
    Member.birth_date,
    Member.membership_start,
    Member.membership_end,
    Member.service_level,
    Member.household_id,
    _ACCOUNT,
    _APP,
)


def without_certificates():
    return (
        ~exists().where(IssuedCertificate.member_id == Member.id),
        ~exists().where(CertificateRequest.requester_member_id == Member.id),
        not_in_persona_household(),
    )


class CertificateFactory:
    def __init__(self, rng: random.Random, *, now: datetime, clerks: list[int]) -> None:
        self.rng = rng
        self.now = now.timestamp()
        self.clerks = clerks
        self.signing_key = configured_signing_key()
        self.requests: list[dict] = []
        self.issued: list[dict] = []

    def moment(self, member: Facts) -> float:
        start = datetime.combine(member.membership_start, datetime.min.time(), tzinfo=UTC)
        earliest = max(self.now - HISTORY_SECONDS, start.timestamp())
        return self.now - (self.now - earliest) * self.rng.random() ** 0.8

    def for_member(self, member: Facts, relatives: list[Facts]) -> None:
        rng = self.rng
        if member.account_id is None:
            if rng.random() < BASIC_POSTAL_SHARE:
                cert_type = rng.choices(*OWN_TYPES)[0]
                self.issue(member, cert_type, "post", self.moment(member), request_id=None)
            return
        for _ in range(rng.choices(*REQUESTS_PER_SMART_MEMBER)[0]):
            if relatives and rng.random() < FOR_RELATIVE_SHARE:
                subject = rng.choice(relatives)
                cert_type = rng.choice(
                    (CertificateType.FAMILY_INSURANCE, CertificateType.INSURANCE)
                )
                delivery = "post"  # FAQ: another person's certificate always goes by post
            else:
                subject, cert_type = member, rng.choices(*OWN_TYPES)[0]
                delivery = "app" if member.app_communication else "post"
            self.request(member, subject, str(cert_type), delivery, self.moment(member))

    def request(
        self, requester: Facts, subject: Facts, cert_type: str, delivery: str, created: float
    ) -> None:
        handling = self.rng.lognormvariate(0, 0.9) * HANDLING_MEDIAN_HOURS * 3600
        fulfilled = created + handling
        still_open = fulfilled > self.now and self.now - created < OPEN_WITHIN_HOURS * 3600
        row = {
            "cert_type": cert_type,
            "delivery": delivery,
            "status": str(CertificateStatus.OPEN),
            "note": None,
            "created_at": datetime.fromtimestamp(created, UTC),
            "fulfilled_at": None,
            "requested_by_user_id": requester.account_id,
            "requester_member_id": requester.id,
            "subject_member_id": subject.id,
            "idempotency_key": secrets.token_hex(16),
        }
        self.requests.append(row)
        if still_open or not self.clerks:
            return
        fulfilled = min(fulfilled, self.now)
        row["fulfilled_at"] = datetime.fromtimestamp(fulfilled, UTC)
        # A postal certificate is 'versandt' once its day's print batch went out.
        printed = delivery == "post" and self.now - fulfilled > 86_400
        row["status"] = str(CertificateStatus.SENT if printed else CertificateStatus.CREATED)
        self.issue(subject, cert_type, delivery, fulfilled, request_id=len(self.requests) - 1)

    def issue(
        self, member: Facts, cert_type: str, delivery: str, at: float, request_id: int | None
    ) -> None:
        """`request_id` is the index of the request in this chunk until ids are reserved."""
        if not self.clerks:
            return
        issued_at = datetime.fromtimestamp(at, UTC)
        self.issued.append(
            {
                "member": member,
                "member_id": member.id,
                "cert_type": str(cert_type),
                "delivery": delivery,
                "issued_at": issued_at,
                "print_batch_date": to_berlin(issued_at).date() if delivery == "post" else None,
                "request_id": request_id,
                "payload": "",
                "pdf_sha256": "",  # no file yet: made on first download
                "blob_id": None,
                "issued_by_user_id": self.rng.choice(self.clerks),
            }
        )

    def sign(self, ids: list[int]) -> list[dict]:
        rows = []
        for certificate_id, row in zip(ids, self.issued, strict=True):
            member = row.pop("member")
            row["id"] = certificate_id
            row["payload"] = crypto.sign_payload(
                fields=payload_fields(
                    certificate_id=certificate_id,
                    cert_type=row["cert_type"],
                    member=member,
                    issued_on=to_berlin(row["issued_at"]).date(),
                ),
                signing_key=self.signing_key,
            )
            rows.append(row)
        return rows


def _households(members: list[Facts]) -> dict[int, list[Facts]]:
    found: dict[int, list[Facts]] = {}
    for member in members:
        found.setdefault(member.household_id, []).append(member)
    return found


def seed_certificates(engine: Engine, *, seed: int = 2026, progress: Progress | None = None) -> int:
    """Requests and issued certificates for every member without either; rows inserted."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    now = datetime.now(UTC) - timedelta(minutes=1)
    clerks = clerk_ids(engine)
    conditions = without_certificates()
    total = count_members(engine, *conditions)
    done = inserted = 0
    for chunk in member_chunks(engine, COLUMNS, *conditions, size=MEMBER_CHUNK):
        members = [Facts(*row) for row in chunk]
        households = _households(members)
        factory = CertificateFactory(rng, now=now, clerks=clerks)
        for member in members:
            relatives = [other for other in households[member.household_id] if other is not member]
            factory.for_member(member, relatives)
        with bulk_transaction(engine) as writer:
            request_ids = writer.reserve_ids(CertificateRequest.__table__, len(factory.requests))
            for request_id, row in zip(request_ids, factory.requests, strict=True):
                row["id"] = request_id
            issued = factory.sign(
                writer.reserve_ids(IssuedCertificate.__table__, len(factory.issued))
            )
            for row in issued:
                if row["request_id"] is not None:
                    row["request_id"] = request_ids[row["request_id"]]
            inserted += writer.insert(CertificateRequest.__table__, factory.requests)
            inserted += writer.insert(IssuedCertificate.__table__, issued)
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
