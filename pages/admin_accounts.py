"""Konten & Audit: admins manage staff accounts and check the audit log's chain."""

import streamlit as st

from core import accounts, audit
from core.clock import to_berlin
from core.db import session_scope
from core.errors import DomainError
from ui.page_visits import PageVisit
from ui.session import current_actor
from ui.text import plain

AUDIT_ANCHOR = "verify_audit"  # drawn on every run: a new visit is a new look at the log

actor = current_actor()
new_look = PageVisit(anchor_key=AUDIT_ANCHOR).first_look("audit_log_looked", True)
st.title("Konten & Audit")

with session_scope() as db:
    staff = accounts.staff_accounts(db, actor=actor)
st.subheader("Konten der Mitarbeitenden")
for account in staff:
    cols = st.columns([3, 2, 2, 2])
    cols[0].write(f"**{plain(account.display_name)}** ({plain(account.username)})")
    cols[1].write(account.role)
    cols[2].write("aktiv" if account.is_active else "deaktiviert")
    label = "Deaktivieren" if account.is_active else "Aktivieren"
    if cols[3].button(label, key=f"toggle_{account.id}", disabled=account.id == actor.user_id):
        try:
            with session_scope(write=True) as db:
                accounts.set_account_active(
                    db, actor=actor, user_id=account.id, active=not account.is_active
                )
        except DomainError as error:
            st.error(error.message)
        else:
            st.rerun()

st.subheader("Audit-Protokoll")
if st.button("Kette prüfen", key=AUDIT_ANCHOR):
    with session_scope() as db:
        report = audit.verify_chain(db)
    if report.intact:
        st.success(f"Audit-Protokoll intakt: {report.entries} Einträge geprüft.")
    else:
        st.error("Audit-Protokoll beschädigt:\n\n" + "\n".join(f"- {p}" for p in report.problems))
with session_scope(write=new_look) as db:
    entries = audit.audit_log(db, actor=actor, limit=50, record_view=new_look)
st.caption(
    "Die neuesten 50 Einträge. Welche Versicherten betroffen waren, zeigt die Übersicht nicht, "
    "nur wie viele. Jeder Blick in das Protokoll wird selbst protokolliert."
)
st.dataframe(
    [
        {
            "Nr.": e.seq,
            "Zeit": to_berlin(e.occurred_at).strftime("%d.%m.%Y %H:%M:%S"),
            "Wer": e.actor,
            "Aktion": e.action,
            "Objekt": e.subject,
            "Versicherte": e.members,
        }
        for e in entries
    ],
    hide_index=True,
)
