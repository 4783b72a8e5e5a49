"""Certificates, digital cards and letters from the scale seed open as PDFs like real ones.

The seed (core.scale_seed) stores rows without files; the first download renders the PDF
from the row and stores it. A real record that lost its file still says "nicht gefunden".
"""

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from core import auth, blobs, certificates, digital_cards, letters, public_check, scale_seed
from core import certificate_issuing as issuing
from core.__main__ import main
from core.actors import Actor
from core.clock import to_berlin
from core.db import session_scope
from core.letter_templates import letter_templates
from core.models.accounts import UserAccount
from core.models.blobs import EncryptedBlob
from core.models.digital_cards import DigitalCard
from core.models.issued_certificates import IssuedCertificate
from core.models.letters import Letter
from core.models.people import Member
from core.seed import seed_demo

MISSING = "Die gespeicherte Datei wurde nicht gefunden."


@dataclass(frozen=True)
class Seeded:
    """A record the seed made, with the member it belongs to."""

    id: int
    member: Actor
    name: str
    kvnr: str


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def actor(session: Session, **where) -> Actor:
    column, value = next(iter(where.items()))
    account = session.exec(select(UserAccount).where(getattr(UserAccount, column) == value)).one()
    return auth.actor_for(session, account)


@pytest.fixture
def seeded(engine) -> Iterator[Engine]:
    """The demo personas and 60 members with accounts, certificates, cards and letters, made
    by the same steps `python -m core seed` runs (core.scale_seed.STEPS)."""
    seed_demo(engine, members=60)
    scale_seed.seed_member_accounts(engine, seed=3)
    scale_seed.seed_certificates(engine, seed=4)
    scale_seed.seed_digital_cards(engine, seed=5)
    scale_seed.seed_letters(engine, seed=6)
    yield engine


def first_seeded(engine: Engine, model, *conditions) -> Seeded:
    with session_scope(engine=engine) as session:
        row = session.exec(select(model).where(*conditions).order_by(model.id)).first()
        assert row is not None, f"the seed made no {model.__name__}"
        member = session.get(Member, row.member_id)
        return Seeded(
            id=row.id,
            member=actor(session, member_id=member.id),
            name=f"{member.first_name} {member.last_name}",
            kvnr=member.kvnr,
        )


def stored_files(engine: Engine, owner_type: str, owner_id: int) -> list[bytes]:
    with session_scope(engine=engine) as session:
        return list(
            session.exec(
                select(EncryptedBlob.ciphertext).where(
                    EncryptedBlob.owner_type == owner_type, EncryptedBlob.owner_id == str(owner_id)
                )
            ).all()
        )


def test_a_seeded_certificate_downloads_as_a_pdf_that_passes_the_public_check(
    seeded, tmp_path, capsys
):
    seeded_certificate = first_seeded(
        seeded, IssuedCertificate, IssuedCertificate.delivery == "app"
    )

    with session_scope(write=True, engine=seeded) as session:
        pdf = issuing.issued_certificate_pdf(
            session, actor=seeded_certificate.member, certificate_id=seeded_certificate.id
        )

    text = pdf_text(pdf)
    assert f"Nr. {seeded_certificate.id}" in text
    assert seeded_certificate.name in text and seeded_certificate.kvnr in text
    check = public_check.check_pdf(pdf)
    assert check.valid and check.fields.name == seeded_certificate.name
    (tmp_path / "bescheinigung.pdf").write_bytes(pdf)
    assert main(["verify-certificate", str(tmp_path / "bescheinigung.pdf")]) == 0
    assert capsys.readouterr().out.startswith("GÜLTIG")


def test_a_seeded_card_downloads_as_a_pdf_that_passes_the_public_check(seeded):
    seeded_card = first_seeded(seeded, DigitalCard)

    with session_scope(engine=seeded) as session:  # the card page opens a read session
        pdf = digital_cards.card_pdf(session, actor=seeded_card.member, card_id=seeded_card.id)
        valid_from = session.get(DigitalCard, seeded_card.id).valid_from

    text = pdf_text(pdf)
    assert seeded_card.name in text and seeded_card.kvnr in text
    assert str(seeded_card.id) in text
    on_the_day = public_check.check_pdf(pdf, today=valid_from)
    assert on_the_day.is_valid and on_the_day.card.card_id == seeded_card.id
    assert public_check.check_pdf(pdf).status == "expired"  # every seeded card has run out


def test_a_seeded_letter_opens_as_a_signed_pdf_with_the_members_name(seeded):
    seeded_letter = first_seeded(seeded, Letter, Letter.direction == "out", Letter.channel == "app")

    with session_scope(write=True, engine=seeded) as session:
        document = letters.letter_document(
            session, actor=seeded_letter.member, letter_id=seeded_letter.id
        )
        sent_on = to_berlin(session.get(Letter, seeded_letter.id).created_at).date()

    text = pdf_text(document.pdf)
    assert seeded_letter.name in text and seeded_letter.kvnr in text
    assert f"Schreiben vom {sent_on:%d.%m.%Y}" in text
    assert document.signature_status == "valid"


def test_a_seeded_file_is_made_once_stored_encrypted_and_the_same_next_time(seeded):
    seeded_certificate = first_seeded(
        seeded, IssuedCertificate, IssuedCertificate.delivery == "app"
    )

    def download() -> bytes:
        with session_scope(write=True, engine=seeded) as session:
            return issuing.issued_certificate_pdf(
                session, actor=seeded_certificate.member, certificate_id=seeded_certificate.id
            )

    first, second = download(), download()

    assert first == second
    files = stored_files(seeded, issuing.BLOB_OWNER, seeded_certificate.id)
    assert len(files) == 1 and b"%PDF" not in files[0]


def test_two_first_downloads_at_the_same_moment_keep_one_file(seeded):
    if seeded.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the second would wait, not race")
    seeded_certificate = first_seeded(
        seeded, IssuedCertificate, IssuedCertificate.delivery == "app"
    )
    member, certificate_id = seeded_certificate.member, seeded_certificate.id

    with session_scope(write=True, engine=seeded) as slower:
        slower.get(IssuedCertificate, certificate_id)  # it has seen the row without a file
        with session_scope(write=True, engine=seeded) as faster:
            first = issuing.issued_certificate_pdf(
                faster, actor=member, certificate_id=certificate_id
            )
        second = issuing.issued_certificate_pdf(slower, actor=member, certificate_id=certificate_id)

    assert first == second
    assert len(stored_files(seeded, issuing.BLOB_OWNER, certificate_id)) == 1


def test_a_clerk_prints_a_past_days_batch_of_seeded_postal_certificates(seeded):
    with session_scope(engine=seeded) as session:
        clerk = actor(session, username="sachbearbeitung")
        day = session.exec(
            select(IssuedCertificate.print_batch_date)
            .where(col(IssuedCertificate.print_batch_date).is_not(None))
            .order_by(IssuedCertificate.id)
        ).first()

    with session_scope(write=True, engine=seeded) as session:
        batch = issuing.print_batch(session, actor=clerk, day=day)
        merged = issuing.print_batch_pdf(session, actor=clerk, day=day)

    assert len(PdfReader(io.BytesIO(merged)).pages) == batch.certificates > 0


# --- Real records whose file went missing ---------------------------------------------------


@pytest.fixture
def personas(seeded) -> dict[str, Actor]:
    with session_scope(engine=seeded) as session:
        return {name: actor(session, username=name) for name in ("jonas.smart", "sachbearbeitung")}


def lose_file(engine: Engine, model, column, row_id: int) -> None:
    """The row keeps its signature or SHA-256, its stored file is gone (a bad restore)."""
    with session_scope(write=True, engine=engine) as session:
        blob_id = getattr(session.get(model, row_id), column.key)
        session.exec(update(model).where(model.id == row_id).values({column.key: None}))
        session.exec(delete(EncryptedBlob).where(EncryptedBlob.id == blob_id))
        session.commit()


def refused_as_missing(engine: Engine, open_file, owner_type: str, owner_id: int) -> str:
    """Opening fails with the German message, and no file was made up in its place."""
    with (
        session_scope(write=True, engine=engine) as session,
        pytest.raises(blobs.BlobNotFound) as missing,
    ):
        open_file(session)
    assert stored_files(engine, owner_type, owner_id) == []
    return missing.value.message


def test_a_real_certificate_that_lost_its_file_says_it_was_not_found(seeded, personas):
    jonas, clerk = personas["jonas.smart"], personas["sachbearbeitung"]
    with session_scope(write=True, engine=seeded) as session:
        filed = certificates.request_certificate(
            session,
            actor=jonas,
            cert_type="versicherung",
            kvnr=session.get(Member, jonas.member_id).kvnr,
            idempotency_key=uuid.uuid4().hex,
        )
        issued = issuing.issue_certificate(session, actor=clerk, request_id=filed.id)
    lose_file(seeded, IssuedCertificate, IssuedCertificate.blob_id, issued.id)

    message = refused_as_missing(
        seeded,
        lambda session: issuing.issued_certificate_pdf(
            session, actor=clerk, certificate_id=issued.id
        ),
        issuing.BLOB_OWNER,
        issued.id,
    )

    assert message == MISSING


def test_a_real_card_that_lost_its_file_says_it_was_not_found(seeded, personas):
    jonas = personas["jonas.smart"]
    with session_scope(write=True, engine=seeded) as session:
        card = digital_cards.request_card(session, actor=jonas)
        session.exec(
            delete(EncryptedBlob).where(
                EncryptedBlob.owner_type == digital_cards.BLOB_OWNER,
                EncryptedBlob.owner_id == str(card.id),
            )
        )
        session.commit()

    message = refused_as_missing(
        seeded,
        lambda session: digital_cards.card_pdf(session, actor=jonas, card_id=card.id),
        digital_cards.BLOB_OWNER,
        card.id,
    )

    assert message == MISSING


def test_a_real_letter_that_lost_its_pdf_says_it_was_not_found(seeded, personas):
    jonas, clerk = personas["jonas.smart"], personas["sachbearbeitung"]
    template = letter_templates()["bestaetigung_mitgliedschaft"]
    with session_scope(write=True, engine=seeded) as session:
        sent = letters.send_letter(
            session,
            actor=clerk,
            member_id=jonas.member_id,
            template_key=template.key,
            subject=template.subject,
            body=template.body,
        )
    lose_file(seeded, Letter, Letter.pdf_blob_id, sent.id)

    message = refused_as_missing(
        seeded,
        lambda session: letters.letter_document(session, actor=clerk, letter_id=sent.id),
        letters.PDF_OWNER,
        sent.id,
    )

    assert message == MISSING
