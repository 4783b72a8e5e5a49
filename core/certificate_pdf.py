"""The certificate as a branded PDF (core.pdf): the person, the insurance status, the QR code."""

import io
from dataclasses import dataclass
from datetime import date

import segno

from core.certificate_seal import PAYLOAD_LABEL, CertifiedFields
from core.certificates import CERTIFICATE_LABELS
from core.models.certificates import CertificateType
from core.models.people import Member
from core.pdf import HEK_BLUE, TEXT_GREY, HekDocument, printable

_STATEMENTS = {
    CertificateType.INSURANCE: "bei der HEK – Hanseatische Krankenkasse gesetzlich "
    "krankenversichert ist",
    CertificateType.MEMBERSHIP: "Mitglied der HEK – Hanseatische Krankenkasse ist",
    CertificateType.FAMILY_INSURANCE: "bei der HEK – Hanseatische Krankenkasse "
    "familienversichert ist",
}


@dataclass(frozen=True)
class CertificateHolder:
    """The person a certificate names, as certified, and the address it was sent to."""

    name: str
    kvnr: str
    birth_date: date
    street: str
    postal_code: str
    city: str
    insured_since: date
    insured_until: date | None

    @classmethod
    def of(cls, member: Member) -> "CertificateHolder":
        return cls(
            name=f"{member.first_name} {member.last_name}",
            kvnr=member.kvnr,
            birth_date=member.birth_date,
            street=member.street,
            postal_code=member.postal_code,
            city=member.city,
            insured_since=member.membership_start,
            insured_until=member.membership_end,
        )


def _qr_png(payload: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=4, border=2)
    buffer.seek(0)
    return buffer


def _row(document: HekDocument, label: str, value: str) -> None:
    document.set_font("helvetica", "", 10.5)
    document.set_text_color(110, 110, 110)
    document.cell(55, 6.5, printable(label))
    document.set_text_color(*TEXT_GREY)
    document.set_font("helvetica", "B", 10.5)
    document.multi_cell(0, 6.5, printable(value), new_x="LMARGIN", new_y="NEXT")


def render_certificate_pdf(
    *,
    certificate_id: int,
    cert_type: str,
    holder: CertificateHolder,
    issued_on: date,
    payload: str,
) -> bytes:
    """The certificate as an unsigned PDF (seal_pdf signs it)."""
    label = CERTIFICATE_LABELS[CertificateType(cert_type)]
    name = holder.name
    document = HekDocument(
        title=label, subtitle=f"Nr. {certificate_id} · ausgestellt am {issued_on:%d.%m.%Y}"
    )
    document.set_subject(payload)  # read back by verify_certificate_pdf
    document.set_font("helvetica", "", 10.5)
    document.set_text_color(*TEXT_GREY)
    document.multi_cell(
        0,
        5.5,
        printable(f"{name}\n{holder.street}\n{holder.postal_code} {holder.city}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(4)
    fields = CertifiedFields(
        name=name,
        birth_date=holder.birth_date,
        cert_type=cert_type,
        insured_since=holder.insured_since,
        insured_until=holder.insured_until,
        issued_on=issued_on,
    )
    if fields.insured_on_issue:
        statement = (
            f"Hiermit bestätigen wir, dass {name} {_STATEMENTS[CertificateType(cert_type)]}."
        )
    else:
        statement = (
            f"Hiermit bestätigen wir, dass {name} {fields.insurance_status} bei der HEK – "
            "Hanseatische Krankenkasse versichert war. Am Tag der Ausstellung besteht kein "
            "Versicherungsschutz bei der HEK."
        )
    document.paragraph(statement)
    document.heading("Versicherte Person")
    _row(document, "Name", name)
    _row(document, "Geburtsdatum", f"{holder.birth_date:%d.%m.%Y}")
    _row(document, "Versichertennummer", holder.kvnr)
    _row(document, "Anschrift", f"{holder.street}, {holder.postal_code} {holder.city}")
    document.heading("Versicherungsstatus")
    _row(document, "Bescheinigung", label)
    _row(document, "Versichert seit", f"{holder.insured_since:%d.%m.%Y}")
    _row(
        document,
        "Versichert bis",
        f"{holder.insured_until:%d.%m.%Y}" if holder.insured_until else "laufend",
    )
    _row(document, "Ausgestellt am", f"{issued_on:%d.%m.%Y}")
    document.heading("Echtheit prüfen")
    top = document.get_y()
    document.image(_qr_png(payload), x=document.l_margin, y=top, w=42, h=42)
    document.set_xy(document.l_margin + 48, top)
    document.paragraph(
        "Diese Bescheinigung wurde maschinell erstellt, ist elektronisch signiert und ohne "
        "Unterschrift gültig. Prüfen Sie sie im HEK Service-Portal unter „Bescheinigung "
        "prüfen“: Laden Sie die PDF-Datei hoch oder geben Sie den Prüfcode ein (QR-Code "
        "oder Text unten)."
    )
    document.set_y(max(document.get_y(), top + 44))
    document.set_font("courier", "", 6)
    document.set_text_color(*HEK_BLUE)
    document.multi_cell(
        0, 2.8, f"{PAYLOAD_LABEL} {payload}", wrapmode="CHAR", new_x="LMARGIN", new_y="NEXT"
    )
    return document.to_bytes()
