"""Bescheinigung prüfen: anyone checks a certificate (PDF file or Prüfcode); no login needed."""

import re

import streamlit as st

from core.certificate_seal import (
    CertificateCheck,
    verify_certificate_payload,
    verify_uploaded_certificate,
)
from ui.components import attempt, format_date
from ui.session import optional_actor

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")

optional_actor()
st.title("Bescheinigung prüfen")
st.caption(
    "Prüfen Sie, ob eine Bescheinigung der HEK echt und unverändert ist: Laden Sie die "
    "PDF-Datei hoch, oder geben Sie den Prüfcode ein, der auf der Bescheinigung unter dem "
    "QR-Code steht. Angezeigt werden nur die bescheinigten Angaben."
)


def _plain(text: str) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def show(check: CertificateCheck) -> None:
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


upload_tab, code_tab = st.tabs(["PDF-Datei hochladen", "Prüfcode eingeben"])
with upload_tab:
    uploaded = st.file_uploader(
        "Bescheinigung als PDF-Datei", type=["pdf"], key="verify_upload", max_upload_size=2
    )
    if uploaded is not None:
        check = attempt(
            lambda: verify_uploaded_certificate(name=uploaded.name, data=uploaded.getvalue())
        )
        if check is not None:
            show(check)
with code_tab:
    code = st.text_area(
        "Prüfcode",
        key="verify_code",
        max_chars=2500,
        height=120,
        placeholder="sig-1.eyJ…",
        help="Der Text unter dem QR-Code, beginnend nach „Prüfcode:“. Zeilenumbrüche stören nicht.",
    )
    if st.button("Prüfen", key="verify_check", type="primary"):
        if code.strip():
            show(verify_certificate_payload(code))
        else:
            st.info("Bitte geben Sie den Prüfcode ein.")
