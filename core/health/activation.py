"""Activating smarthealth: eligibility, consent, the security key shown once and typed back.

The key is generated in the member's session and never stored in readable form: the record
keeps the public key, the private key wrapped under the device password (Argon2id), and the
key sealed to the record itself (so an unlocked session can show it again).
"""

import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, delete

from core import audit, crypto, identity
from core.actors import Actor
from core.clock import utcnow
from core.health import keys
from core.health.errors import AlreadyActive, ConsentMissing, KeyNotConfirmed
from core.health.models import RecordAccount, RecordDevice
from core.health.rules import candidate_member_id, check_eligibility
from core.identifiers import new_pseudonym
from core.models.health_link import HealthLink
from core.models.people import Member, ServiceLevel
from core.pdf import HekDocument


@dataclass(frozen=True)
class Consent:
    """FAQ: the contract with the record provider needs terms, privacy notice and the order."""

    terms: bool = False
    privacy: bool = False
    transfer: bool = False  # "Übermittlung Ihrer Profildaten beauftragen"

    @property
    def complete(self) -> bool:
        return self.terms and self.privacy and self.transfer


def check_activation(session: Session, *, actor: Actor, today: date) -> None:
    """Raises NotEligible (with the reason) or AlreadyActive; returns when activation may start."""
    member = session.get(Member, candidate_member_id(actor))
    check_eligibility(
        member, today=today, eid_verified=identity.can_activate_smarthealth(session, member.id)
    )
    link = session.get(HealthLink, member.id)
    if link is not None and link.terminated_at is None:
        raise AlreadyActive()


def start_activation(session: Session, *, actor: Actor, today: date) -> crypto.SecurityKey:
    """A fresh security key for the member to keep; the session holds it until confirmed."""
    check_activation(session, actor=actor, today=today)
    return crypto.new_security_key()


def emergency_kit_pdf(*, key: crypto.SecurityKey, holder: str, today: date) -> bytes:
    """The "Notfall-Kit": key as text and QR code with what to do with it. Built in memory."""
    document = HekDocument(
        title="smarthealth – Ihr Notfall-Kit",
        subtitle=f"für {holder}, erstellt am {today:%d.%m.%Y}",
    )
    document.paragraph(
        "Mit diesem Sicherheitsschlüssel öffnen Sie Ihre Gesundheitsakte auf einem neuen "
        "Gerät. Ohne ihn kann niemand Ihre Daten entschlüsseln – auch die HEK nicht. Es "
        "gibt keine Wiederherstellung: Bewahren Sie dieses Blatt sicher und getrennt von "
        "Ihrem Gerät auf."
    )
    document.heading("Ihr Sicherheitsschlüssel")
    document.set_font("courier", "B", 14)
    document.multi_cell(0, 8, crypto.format_security_key(key), new_x="LMARGIN", new_y="NEXT")
    document.ln(3)
    document.image(io.BytesIO(crypto.security_key_qr_png(key)), w=55)
    document.heading("So verwenden Sie ihn")
    document.bullet("Neues Gerät: »Neues Gerät: mit Sicherheitsschlüssel freischalten« wählen.")
    document.bullet("Schlüssel abtippen oder den QR-Code scannen; Groß-/Kleinschreibung egal.")
    document.bullet("Das letzte Zeichen ist ein Prüfzeichen: Tippfehler werden sofort erkannt.")
    return document.to_bytes()


def complete_activation(
    session: Session,
    health: Session,
    *,
    actor: Actor,
    shown_key: crypto.SecurityKey,
    typed_key: str,
    device_id: str,
    device_password: str,
    consent: Consent,
    today: date,
) -> keys.UnlockedRecord:
    """Create the record once the member has typed the key back; returns it unlocked."""
    check_activation(session, actor=actor, today=today)
    if not consent.complete:
        raise ConsentMissing()
    if crypto.parse_security_key(typed_key) != shown_key:  # a typo fails in the parser
        raise KeyNotConfirmed()
    keys.check_device_password(device_password)
    keypair = crypto.derive_member_keypair(shown_key)
    reference = new_pseudonym()
    now = utcnow()
    health.add(
        RecordAccount(
            reference_number=reference,
            public_key=keypair.public_bytes,
            sealed_security_key=keys.seal_security_key(
                shown_key, public_key=keypair.public_bytes, reference=reference
            ),
            created_at=now,
            last_access_at=now,
        )
    )
    health.add(
        RecordDevice(
            reference_number=reference,
            device_id=device_id,
            wrapped_private_key=keys.wrap_for_device(keypair, device_password),
            created_at=now,
            last_used_at=now,
        )
    )
    health.commit()
    try:
        _link(session, actor=actor, reference=reference, now=now)
    except BaseException:
        # No two-phase commit across the two databases: undo the provider side instead.
        health.exec(delete(RecordDevice).where(RecordDevice.reference_number == reference))
        health.exec(delete(RecordAccount).where(RecordAccount.reference_number == reference))
        health.commit()
        raise
    return keys.UnlockedRecord(
        member_id=actor.member_id,
        reference_number=reference,
        device_id=device_id,
        keypair=keypair,
    )


def _link(session: Session, *, actor: Actor, reference: str, now) -> None:
    member = session.get(Member, actor.member_id)
    link = session.get(HealthLink, member.id) or HealthLink(member_id=member.id)
    link.reference_number = reference
    link.activated_at = now
    link.terminated_at = None
    link.first_name, link.last_name, link.kvnr = member.first_name, member.last_name, member.kvnr
    session.add(link)
    if member.service_level == ServiceLevel.SMART:
        identity.mark_smarthealth_active(session, member_id=member.id)  # checks the eID again
    audit.record(
        session,
        actor=actor,
        action="smarthealth_activated",
        subject_type="health_link",
        subject_id=member.id,
        member_id=member.id,
    )
    session.commit()
