"""Bescheinigung prüfen: anyone checks a certificate or a digital insurance card (PDF file,
Prüfcode or scanned QR code); no login needed."""

import re

import streamlit as st

from core.certificate_seal import CertificateCheck
from core.db import session_scope
from core.digital_cards import CardCheck
from core.public_check import PublicCheck, check_payload, check_upload
from ui.components import attempt, format_date
from ui.session import optional_actor

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")

optional_actor()
st.title("Bescheinigung prüfen")
st.caption(
    "Prüfen Sie, ob eine Bescheinigung oder ein digitaler Versicherungsausweis der HEK echt "
    "und unverändert ist: Laden Sie die PDF-Datei hoch, oder geben Sie den Prüfcode ein – "
    "bei einer Bescheinigung steht er unter dem QR-Code, beim Versicherungsausweis ist es der "
    "Text, den Ihr QR-Scanner anzeigt. Angezeigt werden nur die bescheinigten Angaben."
)


def _plain(text: str) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def show_card(check: CardCheck) -> None:
    """A card: genuine and valid today, genuine but not valid today, or not genuine."""
    if check.status == "unknown_key":
        st.warning(f"**Nicht prüfbar:** {check.message}", icon=":material/help:")
        return
    if check.card is None:
        st.error(
            f"**Der Versicherungsausweis ist ungültig.** {check.message}", icon=":material/cancel:"
        )
        return
    if check.is_valid:
        st.success(
            "**Der digitale Versicherungsausweis ist gültig.** Er wurde von der HEK ausgestellt, "
            "ist unverändert und heute gültig.",
            icon=":material/verified:",
        )
    else:
        st.warning(
            "**Der digitale Versicherungsausweis ist echt, aber heute nicht gültig.** "
            + check.message,
            icon=":material/event_busy:",
        )
    card = check.card
    st.markdown(
        "**Digitaler Versicherungsausweis**  \n"
        f"Name: {_plain(card.name)}  \n"
        f"Geburtsdatum: {format_date(card.birth_date)}  \n"
        f"Gültig vom {format_date(card.valid_from)} bis einschließlich "
        f"{format_date(card.valid_until)}"
    )


def show(check: PublicCheck) -> None:
    if isinstance(check, CardCheck):
        show_card(check)
    else:
        show_certificate(check)


def show_certificate(check: CertificateCheck) -> None:
    """The result with the certified minimum: type, name, birth date, status, date of issue."""
    if check.status == "unknown_key":
        st.warning(f"**Nicht prüfbar:** {check.reason}", icon=":material/help:")
        return
    if not check.valid:
        st.error(f"**Die Bescheinigung ist ungültig.** {check.reason}", icon=":material/cancel:")
        return
    fields = check.fields
    st.success(
        "**Die Bescheinigung ist gültig.** Sie wurde von der HEK ausgestellt und ist unverändert.",
        icon=":material/verified:",
    )
    coverage = (
        "am Ausstellungstag versichert"
        if fields.insured_on_issue
        else "am Ausstellungstag nicht versichert"
    )
    st.markdown(
        f"**{fields.cert_label}**  \n"
        f"Name: {_plain(fields.name)}  \n"
        f"Geburtsdatum: {format_date(fields.birth_date)}  \n"
        f"Versicherungsstatus: {fields.insurance_status} ({coverage})  \n"
        f"Ausgestellt am: {format_date(fields.issued_on)}"
    )


def _check_file(name: str, data: bytes) -> PublicCheck:
    # The address limits how many files one visitor may check; None in local development.
    with session_scope(write=True) as db:
        return check_upload(db, name=name, data=data, client=st.context.ip_address)


upload_tab, code_tab = st.tabs(["PDF-Datei hochladen", "Prüfcode eingeben"])
with upload_tab:
    uploaded = st.file_uploader(
        "Bescheinigung oder Versicherungsausweis als PDF-Datei",
        type=["pdf"],
        key="verify_upload",
        max_upload_size=2,
    )
    if uploaded is not None:
        check = attempt(lambda: _check_file(uploaded.name, uploaded.getvalue()))
        if check is not None:
            show(check)
with code_tab:
    code = st.text_area(
        "Prüfcode",
        key="verify_code",
        max_chars=2500,
        height=120,
        placeholder="sig-1.eyJ…",
        help=(
            "Bescheinigung: der Text unter dem QR-Code, beginnend nach „Prüfcode:“. "
            "Versicherungsausweis: der Text, den ein QR-Scanner anzeigt. "
            "Zeilenumbrüche stören nicht."
        ),
    )
    if st.button("Prüfen", key="verify_check", type="primary"):
        if code.strip():
            show(check_payload(code))
        else:
            st.info("Bitte geben Sie den Prüfcode ein.")
