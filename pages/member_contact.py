"""Kontaktdaten (smart): address, phone and e-mail, and every bank account ever given."""

import streamlit as st

from core import bank_accounts, contact
from core.clock import today_berlin
from core.db import session_scope
from ui.components import attempt, format_date
from ui.session import current_actor

NOTICE = "contact_notice"

actor = current_actor()
with session_scope() as db:
    current = contact.contact_data(db, actor=actor)
    accounts = bank_accounts.bank_accounts(db, actor=actor)

st.title("Kontaktdaten")
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

with st.form("contact"):
    st.subheader("Anschrift und Erreichbarkeit")
    street = st.text_input(
        "Straße und Hausnummer", value=current.street, max_chars=120, key="contact_street"
    )
    code_column, city_column = st.columns([1, 3])
    postal_code = code_column.text_input(
        "Postleitzahl", value=current.postal_code, max_chars=5, key="contact_postal_code"
    )
    city = city_column.text_input("Ort", value=current.city, max_chars=80, key="contact_city")
    phone = st.text_input("Telefon", value=current.phone or "", max_chars=30, key="contact_phone")
    email = st.text_input("E-Mail", value=current.email or "", max_chars=254, key="contact_email")
    save_contact = st.form_submit_button("Kontaktdaten speichern")

if save_contact:

    def _save_contact():
        with session_scope(write=True) as db:
            return contact.change_contact(
                db,
                actor=actor,
                street=street,
                postal_code=postal_code,
                city=city,
                phone=phone,
                email=email,
            )

    if change := attempt(_save_contact):
        st.session_state[NOTICE] = (
            f"Gespeichert: {', '.join(change.changed)}."
            if change.changed
            else "Ihre Kontaktdaten waren bereits auf diesem Stand."
        )
        st.rerun()

st.subheader("Bankverbindungen")
st.caption(
    "Der Vollständigkeit halber sehen Sie alle Bankverbindungen, die Sie jemals bei uns "
    "hinterlegt haben. Die aktuell gültige ist hervorgehoben."
)
if not accounts:
    st.info("Sie haben noch keine Bankverbindung hinterlegt.")
for account in accounts:
    text = (
        f"**{account.iban_formatted}** · BIC {account.bic or '–'}  \n"
        f"{account.account_holder} · gültig ab {format_date(account.valid_from)}"
    )
    if account.is_current:
        st.success(f"{text}  \n**{account.status}**", icon=":material/check_circle:")
    else:
        with st.container(border=True):
            st.markdown(text)
            st.caption(account.status)

with st.form("bank_account"):
    st.subheader("Neue Bankverbindung")
    st.caption("Die bisherige Bankverbindung endet am Tag vor dem Beginn der neuen.")
    iban = st.text_input(
        "IBAN", key="bank_iban", max_chars=42, placeholder="DE89 3704 0044 0532 0130 00"
    )
    bic = st.text_input("BIC (optional)", max_chars=11, key="bank_bic")
    holder = st.text_input(
        "Kontoinhaber/in", value=actor.display_name, max_chars=70, key="bank_holder"
    )
    today = today_berlin()
    valid_from = st.date_input(
        "Gültig ab", value=today, min_value=today, format="DD.MM.YYYY", key="bank_valid_from"
    )
    add_account = st.form_submit_button("Bankverbindung hinzufügen")

if add_account:

    def _add_account():
        with session_scope(write=True) as db:
            return bank_accounts.add_bank_account(
                db, actor=actor, iban=iban, bic=bic, account_holder=holder, valid_from=valid_from
            )

    if added := attempt(_add_account):
        st.session_state[NOTICE] = f"Bankverbindung {added.iban_formatted} gespeichert."
        st.rerun()
