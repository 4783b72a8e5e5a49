"""Geräte & Sicherheit (smart; FAQ: two factors, a device change needs a new identification):
the account's registered devices, renaming and removing them, changing an app PIN."""

import streamlit as st

from core.db import session_scope
from core.identity import devices
from ui.components import attempt, format_moment
from ui.device_gate import current_device_id
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
with session_scope() as db:
    registered = devices.devices_of(db, actor=actor)
this_device = current_device_id()

st.title("Geräte & Sicherheit")
st.write(
    "smart schützt Ihre Daten mit zwei Faktoren: Ihrem Passwort und einem registrierten Gerät, "
    "das Sie nach jeder Anmeldung mit seiner 6-stelligen App-PIN bestätigen. Ein neues Gerät "
    "registrieren Sie bei der Anmeldung darauf, nach einer neuen Identifizierung über Nect Wallet."
)
notice = st.session_state.pop("devices_notice", None)
if notice:
    st.success(notice)

for device in registered:
    with st.container(border=True):
        label = " (dieses Gerät)" if device.id == this_device else ""
        st.subheader(f"{plain(device.name)}{label}")
        st.caption(
            f"Registriert am {format_moment(device.created_at)} · zuletzt bestätigt "
            f"{format_moment(device.last_used_at)}"
        )
        with st.expander("Umbenennen oder entfernen"):
            name = st.text_input(
                "Gerätename", value=device.name, key=f"device_name_{device.id}", max_chars=40
            )
            if st.button("Umbenennen", key=f"device_rename_{device.id}"):

                def _rename(device_id=device.id, name=name):
                    with session_scope(write=True) as db:
                        return devices.rename_device(
                            db, actor=actor, device_id=device_id, name=name
                        )

                if attempt(_rename) is not None:
                    st.session_state["devices_notice"] = "Der Gerätename wurde geändert."
                    st.rerun()
            if device.id == this_device:
                st.warning(
                    "Das ist das Gerät, mit dem Sie gerade angemeldet sind. Nach dem Entfernen "
                    "müssen Sie ein anderes Gerät bestätigen oder sich neu identifizieren."
                )
            sure = st.checkbox("Ja, dieses Gerät entfernen", key=f"device_sure_{device.id}")
            if st.button("Entfernen", key=f"device_remove_{device.id}", disabled=not sure):

                def _remove(device_id=device.id):
                    with session_scope(write=True) as db:
                        devices.remove_device(db, actor=actor, device_id=device_id)
                    return True

                if attempt(_remove):
                    st.session_state["devices_notice"] = "Das Gerät wurde entfernt."
                    st.rerun()

if registered:
    st.subheader("App-PIN ändern")
    # (id, name) pairs as options: a renamed device is a changed option, shown with its new name
    choices = [(device.id, device.name) for device in registered]
    ids = [device_id for device_id, _ in choices]
    with st.form("change_app_pin", clear_on_submit=True):
        chosen, _ = st.selectbox(
            "Gerät",
            choices,
            index=ids.index(this_device) if this_device in ids else 0,
            format_func=lambda choice: choice[1],
            key="pin_device",
        )
        current = st.text_input(
            "Bisherige App-PIN", type="password", key="pin_current", max_chars=6
        )
        new = st.text_input("Neue App-PIN (6 Ziffern)", type="password", key="pin_new", max_chars=6)
        repeat = st.text_input(
            "Neue App-PIN wiederholen", type="password", key="pin_repeat", max_chars=6
        )
        submitted = st.form_submit_button("App-PIN ändern")
    if submitted:
        if new != repeat:
            st.error("Die beiden neuen App-PINs stimmen nicht überein.")
        else:

            def _change():
                with session_scope(write=True) as db:
                    devices.change_pin(
                        db, actor=actor, device_id=chosen, current_pin=current, new_pin=new
                    )
                return True

            if attempt(_change):
                st.success("Die App-PIN wurde geändert.")
else:
    st.info("Für Ihr Konto ist kein Gerät registriert.")
