"""smarthealth state of one browser session: the unlocked key and the opened entries.

Every key starts with "health_", so ui.session clears them at logout and idle timeout.
Nothing here goes into st.cache_*: those caches are shared by every user.
"""

import secrets

import streamlit as st

from core.actors import Actor
from core.health import entries
from core.health.db import health_scope
from core.health.keys import UnlockedRecord

UNLOCKED_KEY = "health_unlocked"
PENDING_KEY = "health_pending_key"
TIMELINE_KEY = "health_timeline"
EXPORT_KEY = "health_export"
TYPED_SECRETS = (
    "health_typed_key",
    "health_new_password",
    "health_new_password_again",
    "health_unlock_password",
    "health_device_key",
    "health_device_password",
)
# Names this browser session as a "device"; holds no secret, so it outlives a logout.
DEVICE_KEY = "hek_device_id"

PROMISE = (
    "**Nur Sie können Ihre Gesundheitsdaten lesen.** Jeder Eintrag wird mit Ihrem "
    "persönlichen Schlüssel verschlüsselt, bevor er gespeichert wird. Der Betreiber der Akte "
    "speichert nichts als verschlüsselte Daten und kann sie nicht entschlüsseln – auch die HEK "
    "nicht. Unverschlüsselt bleiben nur technische Angaben: Referenznummer, Kategorie, "
    "Zeitpunkt und Größe eines Eintrags.\n\n"
    "Ehrlich gesagt: Dieses Portal läuft im Browser, gerechnet wird auf dem Server. Solange "
    "Ihre Akte entsperrt ist, liegen Ihr Schlüssel und die geöffneten Einträge lesbar im "
    "Arbeitsspeicher Ihrer Sitzung auf dem Server – nie auf der Festplatte, nie in einem "
    "Zwischenspeicher anderer Nutzer. Beim Abmelden, beim Sperren und nach 15 Minuten "
    "Inaktivität werden sie gelöscht."
)


def device_id() -> str:
    if DEVICE_KEY not in st.session_state:
        st.session_state[DEVICE_KEY] = secrets.token_urlsafe(24)
    return st.session_state[DEVICE_KEY]


def unlocked_for(actor: Actor) -> UnlockedRecord | None:
    """The unlocked record of this session, if it belongs to the signed-in member."""
    unlocked = st.session_state.get(UNLOCKED_KEY)
    if unlocked is not None and unlocked.member_id != actor.member_id:
        lock()
        return None
    return unlocked


def remember(unlocked: UnlockedRecord) -> None:
    """Keep the unlocked record; drop the typed key and passwords the moment they are used."""
    for key in (PENDING_KEY, TIMELINE_KEY, *TYPED_SECRETS):
        st.session_state.pop(key, None)
    st.session_state[UNLOCKED_KEY] = unlocked


def lock() -> None:
    """Forget key, opened entries and typed secrets of this session."""
    for key in [key for key in st.session_state if str(key).startswith("health_")]:
        st.session_state.pop(key, None)


def timeline(actor: Actor, unlocked: UnlockedRecord) -> entries.Timeline:
    """Opened once per unlock, then kept in this session until something changes."""
    if TIMELINE_KEY not in st.session_state:
        with health_scope() as health:
            st.session_state[TIMELINE_KEY] = entries.load_timeline(
                health, actor=actor, unlocked=unlocked
            )
    return st.session_state[TIMELINE_KEY]


def changed() -> None:
    """After a write: open the entries again on the next run."""
    st.session_state.pop(TIMELINE_KEY, None)
    st.session_state.pop(EXPORT_KEY, None)
