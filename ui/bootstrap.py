"""Start-up checks, once per server process: secrets present, schema migrated."""

import streamlit as st

from core import migrate
from core.errors import MissingSecrets
from core.health import migrate as health_migrate
from core.settings import get_secrets, get_settings


@st.cache_resource(show_spinner="Portal wird vorbereitet …")
def _prepare() -> str:
    get_secrets()
    health_migrate.upgrade()  # the smarthealth provider's own database
    return migrate.upgrade()


def ensure_ready() -> None:
    """Stop with a German message naming what is missing, or migrate and go on."""
    try:
        _prepare()
    except MissingSecrets as missing:
        st.error(missing.message)
        st.stop()


def demo_mode() -> bool:
    return get_settings().demo_mode
