"""Issuing certificates: a signed PDF per request and the mail room's print batch.

A clerk issues an open request (core.certificates). The certificate is a branded PDF with the
insured person's data and insurance status; it carries two Ed25519 signatures (core.crypto),
each for its own reader:

1. The QR payload certifies the *fields* (`sign_payload`): id, type, KVNR, name, birth date,
   insured since/until, date of issue, plus a document marker so no other signed payload of
   the portal passes as a certificate. It is printed as a QR code and in small print, and
   stored in the PDF's /Subject. A paper copy is checked with it alone.
2. A detached signature certifies the *file*. The QR code sits inside the PDF, so the PDF
   cannot carry a signature of itself; instead one comment line is appended after %%EOF:

       %HEK-SIG:<key_id>:<base64url Ed25519 signature>\\n

   PDF readers ignore what follows the end marker. The signature (`sign_bytes`) covers a
   context label, the key id and every byte before that line. Verification requires the
   line in exactly this form as the file's last line, so one changed byte anywhere fails:
   before the line, the signature breaks; inside it, the form, the key id or the signature
   breaks; after it, there is nothing that may follow. Only a file whose signature holds is
   parsed, to read the payload back; then the payload is verified as in 1.

The stored PDF (encrypted at rest by core.blobs) and its SHA-256 are kept per certificate.
A historic certificate from the seed (core.scale_seed) has its signed payload but no file
yet (empty SHA-256, no blob): it is rendered from that payload on first access, sealed and
stored like any other, so later accesses read the stored file. A row that had a file and
lost it is never re-rendered: that stays "nicht gefunden".
Postal certificates join the day's print batch; printing the batch marks them 'versandt'.
Signing and checking live in core.certificate_seal, the layout in core.certificate_pdf.
Verification needs no database: anyone with the public key can check a file or a payload.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from core import audit, blobs, crypto
from core.actors import Actor
from core.certificate_pdf import CertificateHolder, render_certificate_pdf
from core.certificate_seal import (
    configured_signing_key,
    payload_fields,
    seal_pdf,
    verification_keys,
    verify_certificate_payload,
)
from core.clock import today_berlin, utcnow
from core.errors import DomainError, NotAllowed
from core.models.certificates import (
    CertificateQueueItem,
    CertificateRequest,
    CertificateStatus,
    Delivery,
)
from core.models.issued_certificates import IssuedCertificate, IssuedCertificateRead
from core.models.people import Member

BLOB_OWNER = "issued_certificate"
MY_CERTIFICATES_LIMIT = 50


class RequestNotOpen(DomainError):
    default_message = "Diese Anforderung wurde bereits bearbeitet oder gibt es nicht."


class NothingToPrint(DomainError):
    default_message = "Für diesen Tag liegen keine Bescheinigungen für den Postversand vor."


class CertificateNotFound(NotAllowed):
    # One answer for "no such certificate" and "not yours": it reveals nothing about others.
    default_message = "Diese Bescheinigung gibt es nicht oder sie gehört nicht zu Ihnen."


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def count_open_requests(session: Session, *, actor: Actor) -> int:
    """How many requests wait in the queue (for the back-office pager)."""
    _require_staff(actor)
    return session.exec(
        select(func.count())
        .select_from(CertificateRequest)
        .where(CertificateRequest.status == CertificateStatus.OPEN)
    ).one()


def open_request(session: Session, *, actor: Actor, request_id: int) -> CertificateQueueItem:
    """One open request as the queue shows it (the clerk's selection after a rerun); audited."""
    _require_staff(actor)
    row = session.get(CertificateRequest, request_id)
    if row is None or row.status != CertificateStatus.OPEN:
        raise RequestNotOpen()
    subject = session.get(Member, row.subject_member_id)
    requester = session.get(Member, row.requester_member_id)
    audit.record(
        session,
        actor=actor,
        action="view_certificate_request",
        subject_type="certificate_request",
        subject_id=row.id,
        member_id=subject.id,
    )
    session.commit()
    return CertificateQueueItem.model_validate(
        row,
        update={
            "subject_member_id": subject.id,
            "subject_name": f"{subject.first_name} {subject.last_name}",
            "subject_kvnr": subject.kvnr,
            "requester_name": f"{requester.first_name} {requester.last_name}",
        },
    )


def issue_certificate(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    signing_key: crypto.SigningKey | None = None,
) -> IssuedCertificateRead:
    """Render, sign and store the certificate for an open request; exactly one clerk wins.

    An app certificate is ready in the app ('erstellt'); a postal one also joins today's
    print batch and becomes 'versandt' when the batch is printed.
    """
    _require_staff(actor)
    signing_key = signing_key or configured_signing_key()
    now, today = utcnow(), today_berlin()
    taken = session.exec(
        update(CertificateRequest)
        .where(
            CertificateRequest.id == request_id,
            CertificateRequest.status == CertificateStatus.OPEN,
        )
        .values(status=CertificateStatus.CREATED, fulfilled_at=now)
    )
    if taken.rowcount != 1:
        session.rollback()
        raise RequestNotOpen()
    request = session.get(CertificateRequest, request_id)
    member = session.get(Member, request.subject_member_id)
    row = IssuedCertificate(
        request_id=request.id,
        member_id=member.id,
        cert_type=request.cert_type,
        delivery=request.delivery,
        issued_at=now,
        print_batch_date=today if request.delivery == Delivery.POST else None,
        payload="",
        pdf_sha256="",
        issued_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()  # the id is part of the payload and of the blob's associated data
    row.payload = crypto.sign_payload(
        fields=payload_fields(
            certificate_id=row.id, cert_type=request.cert_type, member=member, issued_on=today
        ),
        signing_key=signing_key,
    )
    pdf = seal_pdf(
        render_certificate_pdf(
            certificate_id=row.id,
            cert_type=request.cert_type,
            holder=CertificateHolder.of(member),
            issued_on=today,
            payload=row.payload,
        ),
        signing_key=signing_key,
    )
    row.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    row.blob_id = blobs.store_blob(
        session, owner_type=BLOB_OWNER, owner_id=str(row.id), plaintext=pdf
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="certificate_issued",
        subject_type="issued_certificate",
        subject_id=row.id,
        member_id=member.id,
        details={
            "request_id": request.id,
            "type": request.cert_type,
            "delivery": request.delivery,
            "key_id": signing_key.key_id,
            "sha256": row.pdf_sha256,
        },
    )
    session.commit()
    return IssuedCertificateRead.model_validate(row)


def _as_certified(row: IssuedCertificate, member: Member) -> tuple[CertificateHolder, date] | None:
    """Whom the row's signed payload names (the address is the member's) and the day of
    issue; None if the payload does not verify as this certificate's."""
    signed = crypto.verify_payload(payload=row.payload, public_keys=verification_keys())
    certified = verify_certificate_payload(row.payload).fields
    if certified is None or signed.fields is None or signed.fields.get("id") != row.id:
        return None
    holder = CertificateHolder(
        name=certified.name,
        kvnr=str(signed.fields["kvnr"]),
        birth_date=certified.birth_date,
        street=member.street,
        postal_code=member.postal_code,
        city=member.city,
        insured_since=certified.insured_since,
        insured_until=certified.insured_until,
    )
    return holder, certified.issued_on


def _render_historic(session: Session, *, actor: Actor, row: IssuedCertificate) -> bytes:
    """A seeded certificate's file, rendered from its signed payload and stored once."""
    certified = _as_certified(row, session.get(Member, row.member_id))
    if certified is None:  # no genuine file can be made from it: there is nothing to show
        raise blobs.BlobNotFound
    holder, issued_on = certified
    signing_key = configured_signing_key()
    pdf = seal_pdf(
        render_certificate_pdf(
            certificate_id=row.id,
            cert_type=row.cert_type,
            holder=holder,
            issued_on=issued_on,
            payload=row.payload,
        ),
        signing_key=signing_key,
    )
    sha256 = hashlib.sha256(pdf).hexdigest()
    stored = blobs.store_first_file(
        session,
        owner_type=BLOB_OWNER,
        owner_id=str(row.id),
        plaintext=pdf,
        claim=lambda blob_id: (
            update(IssuedCertificate)
            .where(
                IssuedCertificate.id == row.id,
                col(IssuedCertificate.blob_id).is_(None),
                IssuedCertificate.pdf_sha256 == "",
            )
            .values(blob_id=blob_id, pdf_sha256=sha256)
        ),
    )
    session.refresh(row)
    if not stored:  # opened twice at the same moment: the other one's file stands
        return _load_pdf(session, actor=actor, row=row)
    audit.record(
        session,
        actor=actor,
        action="historic_pdf_rendered",
        subject_type="issued_certificate",
        subject_id=row.id,
        member_id=row.member_id,
        details={"key_id": signing_key.key_id, "sha256": sha256},
    )
    return pdf


def _load_pdf(session: Session, *, actor: Actor, row: IssuedCertificate) -> bytes:
    """The stored file; a seeded certificate that never had one gets it now (caller commits)."""
    if row.blob_id is None and not row.pdf_sha256:
        return _render_historic(session, actor=actor, row=row)
    if row.blob_id is None:
        raise blobs.BlobNotFound
    return blobs.load_blob(session, blob_id=row.blob_id, owner_type=BLOB_OWNER, owner_id=row.id)


def issued_certificate_pdf(session: Session, *, actor: Actor, certificate_id: int) -> bytes:
    """The signed PDF: a member gets only their own app certificates; staff any. Audited."""
    row = session.get(IssuedCertificate, certificate_id)
    if actor.is_member:
        if row is None or row.member_id != actor.member_id or row.delivery != Delivery.APP:
            raise CertificateNotFound()
    elif not actor.is_staff or row is None:
        raise CertificateNotFound()
    pdf = _load_pdf(session, actor=actor, row=row)
    audit.record(
        session,
        actor=actor,
        action="view_issued_certificate",
        subject_type="issued_certificate",
        subject_id=row.id,
        member_id=row.member_id,
    )
    session.commit()
    return pdf


def my_issued_certificates(session: Session, *, actor: Actor) -> list[IssuedCertificateRead]:
    """The member's own certificates shown in the app, newest first (FAQ: smart, own only)."""
    if not actor.is_member or actor.member_id is None:
        raise NotAllowed()
    rows = session.exec(
        select(IssuedCertificate)
        .where(
            IssuedCertificate.member_id == actor.member_id,
            IssuedCertificate.delivery == Delivery.APP,
        )
        .order_by(col(IssuedCertificate.issued_at).desc(), col(IssuedCertificate.id).desc())
        .limit(MY_CERTIFICATES_LIMIT)
    ).all()
    return [IssuedCertificateRead.model_validate(row) for row in rows]


@dataclass(frozen=True)
class PrintBatch:
    day: date
    certificates: int
    unsent: int  # requests not yet marked 'versandt'


def _batch_rows(session: Session, day: date) -> list[IssuedCertificate]:
    return session.exec(
        select(IssuedCertificate)
        .where(
            IssuedCertificate.delivery == Delivery.POST,
            IssuedCertificate.print_batch_date == day,
        )
        .order_by(IssuedCertificate.id)
    ).all()


def print_batch(session: Session, *, actor: Actor, day: date) -> PrintBatch:
    """How many postal certificates the day's batch holds, and how many are not sent yet."""
    _require_staff(actor)
    rows = _batch_rows(session, day)
    ids = [row.request_id for row in rows if row.request_id is not None]
    unsent = session.exec(
        select(func.count())
        .select_from(CertificateRequest)
        .where(
            col(CertificateRequest.id).in_(ids),
            CertificateRequest.status != CertificateStatus.SENT,
        )
    ).one()
    return PrintBatch(day=day, certificates=len(rows), unsent=unsent)


def print_batch_pdf(session: Session, *, actor: Actor, day: date) -> bytes:
    """All postal certificates of a day in one PDF for the mail room; marks them 'versandt'.

    Printing again (a paper jam) gives the same batch; the merged file carries no file
    signature, the QR code on each page still proves every certificate.
    """
    _require_staff(actor)
    rows = _batch_rows(session, day)
    if not rows:
        raise NothingToPrint(
            f"Für den {day:%d.%m.%Y} liegen keine Bescheinigungen für den Postversand vor."
        )
    writer = PdfWriter()
    for row in rows:
        writer.append(PdfReader(io.BytesIO(_load_pdf(session, actor=actor, row=row))))
    merged = io.BytesIO()
    writer.write(merged)
    ids = [row.request_id for row in rows if row.request_id is not None]
    sent = session.exec(
        update(CertificateRequest)
        .where(
            col(CertificateRequest.id).in_(ids),
            CertificateRequest.status == CertificateStatus.CREATED,
        )
        .values(status=CertificateStatus.SENT)
    )
    audit.record(
        session,
        actor=actor,
        action="certificate_batch_printed",
        subject_type="print_batch",
        subject_id=day.isoformat(),
        details={"certificates": len(rows), "marked_sent": sent.rowcount},
    )
    session.commit()
    return merged.getvalue()
