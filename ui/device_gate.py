"""The device gate: after login, smart members confirm a registered device before anything else.

Home.py calls `require_device(actor)` once per run, before its navigation. Until this browser
session is bound to an active device of the account, the gate's own screen is served under
every URL (so a deep link survives) and the run stops there. Binding a session means proving
the app PIN of the device registered in this browser (core/identity/devices.py: possession of
the browser's cookie plus the PIN), or registering this browser after a fresh identification
(FAQ: "Im Falle eines Gerätewechsels … muss eine neue Identifikation vorgenommen werden").
The binding is noted on the session row (a reload keeps it) and re-checked on every run, so a
device removed or locked elsewhere ends it.
"""

from dataclasses import dataclass

import streamlit as st

from core import browser_sessions, identity
from core.actors import Actor
from core.db import session_scope
from core.errors import DomainError
from core.identity import devices
from core.models.identity import DeviceRead, IdentificationPurpose
from ui import browser, navigation, personas, session
from ui import identification_wizard as wizard
from ui.correspondence import escape_markdown
from ui.registry import available_screens

BINDING_KEY = "hek_device_binding"
MESSAGE_KEY = "hek_device_message"
REGISTER_KEY = "hek_device_register"  # the member chose "register this browser"
WIZARD_KEY = "gate_ident"
# Wizards whose fresh success may register this browser: "Zu smart wechseln" and the gate's own.
_IDENTIFYING_WIZARDS = ("ident", WIZARD_KEY)
_CONFIRM_FORM = "device_confirm"
_REGISTER_FORM = "device_register"


@dataclass(frozen=True)
class DeviceBinding:
    """This browser session's confirmed device; the device token only if registered here."""

    session_token: str
    device_id: int
    device_token: str | None = None


def current_device_id() -> int | None:
    binding = st.session_state.get(BINDING_KEY)
    return binding.device_id if binding else None


def _binding_of_this_session() -> "DeviceBinding | None":
    """The device confirmed in this browser session, or (after a reload, a new Streamlit
    session on the same cookie) the one noted on the signed-in session's row."""
    binding: DeviceBinding | None = st.session_state.get(BINDING_KEY)
    token = st.session_state.get(session.TOKEN_KEY)
    if binding is None and token:
        with session_scope() as db:
            device_id = browser_sessions.confirmed_device(db, token=token)
        if device_id is not None:
            binding = st.session_state[BINDING_KEY] = DeviceBinding(token, device_id)
    return binding


def _bound(actor: Actor) -> bool:
    binding = _binding_of_this_session()
    if binding is None:
        return False
    if binding.session_token != st.session_state.get(session.TOKEN_KEY):
        st.session_state.pop(BINDING_KEY, None)  # a new login needs a new confirmation
        return False
    with session_scope() as db:
        active = devices.device_is_active(
            db, actor=actor, device_id=binding.device_id, device_token=binding.device_token
        )
    if not active:
        st.session_state.pop(BINDING_KEY, None)
        st.session_state[MESSAGE_KEY] = (
            "Dieses Gerät ist nicht mehr registriert. Bitte bestätigen Sie ein anderes Gerät "
            "oder registrieren Sie dieses neu."
        )
    return active


def require_device(actor: Actor | None) -> None:
    """Return if no device is needed or this session is bound; otherwise serve the gate, stop."""
    if not devices.needs_device(actor) or personas.acting_as_persona() or _bound(actor):
        return  # an admin acting as a demo persona has signed in with their own account

    def gate() -> None:
        _render_gate(actor)

    pages = [st.Page(gate, title="Gerät bestätigen", url_path="geraet", default=True)]
    pages += [
        st.Page(gate, title=screen.title, url_path=screen.url_path, visibility="hidden")
        for screen in available_screens()
    ]
    page = st.navigation(pages, position="hidden")
    navigation.render_sidebar(actor)
    page.run()
    st.stop()


def _bind(device_id: int, device_token: str | None = None) -> None:
    token = st.session_state.get(session.TOKEN_KEY, "")
    st.session_state[BINDING_KEY] = DeviceBinding(
        session_token=token, device_id=device_id, device_token=device_token
    )
    with session_scope(write=True) as db:
        browser_sessions.remember_confirmed_device(db, token=token, device_id=device_id)
        db.commit()
    st.session_state.pop(REGISTER_KEY, None)
    wizard.forget(WIZARD_KEY)


def _confirm(actor: Actor) -> None:
    pin = st.session_state.get("device_pin", "")
    st.session_state["device_pin"] = ""
    try:
        with session_scope(write=True) as db:
            device = devices.confirm_device(
                db,
                actor=actor,
                device_id=st.session_state.get("device_choice"),
                pin=pin,
                device_secret=browser.device_secret(),
            )
    except DomainError as error:
        st.session_state[MESSAGE_KEY] = error.message
        return
    _bind(device.id)


def _register(actor: Actor, identification_id: int) -> None:
    state = st.session_state
    pin, repeat = state.get("device_new_pin", ""), state.get("device_new_pin_repeat", "")
    state["device_new_pin"] = state["device_new_pin_repeat"] = ""
    if pin != repeat:
        state[MESSAGE_KEY] = "Die beiden App-PINs stimmen nicht überein."
        return
    try:
        with session_scope(write=True) as db:
            created = devices.register_device(
                db,
                actor=actor,
                identification_id=identification_id,
                name=state.get("device_name", ""),
                pin=pin,
                device_secret=browser.device_secret() or None,
            )
    except DomainError as error:
        state[MESSAGE_KEY] = error.message
        return
    _bind(created.device.id, created.token)


def _fresh_identification(actor: Actor):
    """A success of this browser session that may still register a device."""
    with session_scope() as db:
        for key in _IDENTIFYING_WIZARDS:
            attempt = wizard.attempt_of(key)
            if attempt is None or attempt.member_id != actor.member_id:
                continue
            fresh = identity.fresh_identification(
                db, identification_id=attempt.id, member_id=actor.member_id
            )
            if fresh is not None:
                return fresh
    return None


def _show_message() -> None:
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        st.error(message)


def _registration_form(actor: Actor, identification_id: int) -> None:
    st.success(
        "Ihre Identifizierung war erfolgreich. Registrieren Sie jetzt diesen Browser als Gerät "
        "und legen Sie eine 6-stellige App-PIN fest. Mit ihr bestätigen Sie das Gerät nach "
        "jeder Anmeldung."
    )
    with st.form(_REGISTER_FORM):
        st.text_input("Gerätename", value="Dieser Browser", key="device_name", max_chars=40)
        st.text_input("App-PIN (6 Ziffern)", type="password", key="device_new_pin", max_chars=6)
        st.text_input(
            "App-PIN wiederholen", type="password", key="device_new_pin_repeat", max_chars=6
        )
        st.form_submit_button(
            "Gerät registrieren",
            type="primary",
            on_click=_register,
            args=(actor, identification_id),
        )
    _show_message()


def _pin_form(actor: Actor, choices: list[DeviceRead], *, recognised: bool) -> None:
    names = {device.id: device.name for device in choices}
    with st.form(_CONFIRM_FORM):
        if recognised:
            st.markdown(f"**Dieses Gerät:** {escape_markdown(choices[0].name)}")
            st.session_state["device_choice"] = choices[0].id
        else:
            st.selectbox("Gerät", list(names), format_func=names.get, key="device_choice")
        st.text_input("App-PIN (6 Ziffern)", type="password", key="device_pin", max_chars=6)
        st.form_submit_button("Bestätigen", type="primary", on_click=_confirm, args=(actor,))
    _show_message()
    st.caption(
        f"Nach {devices.MAX_PIN_FAILURES} falschen Eingaben wird das Gerät gesperrt und muss "
        "mit einer neuen Identifizierung neu registriert werden."
    )


def _start_new_device(actor: Actor):
    def start(db, request):
        return identity.start_identification(
            db, actor=actor, request=request, purpose=IdentificationPurpose.NEW_DEVICE
        )

    return wizard.Wizard(key=WIZARD_KEY, start=start)


def _back_to_pin() -> None:
    st.session_state.pop(REGISTER_KEY, None)
    wizard.forget(WIZARD_KEY)


def _render_gate(actor: Actor) -> None:
    st.title("Gerät bestätigen")
    st.caption(
        "smart schützt Ihre persönlichen Daten mit zwei Faktoren: Ihrem Passwort und einem "
        "registrierten Gerät mit App-PIN. Ihr Browser ist das Gerät: Bei der Registrierung "
        "merkt sich das Portal ihn über ein geschütztes Cookie, danach genügt in diesem "
        "Browser Ihre App-PIN."
    )
    fresh = _fresh_identification(actor)
    if fresh is not None:
        _registration_form(actor, fresh.id)
        return
    secret = browser.device_secret()
    with session_scope() as db:
        this_browser = devices.recognised_device(db, actor=actor, device_secret=secret)
        registered = devices.devices_of(db, actor=actor)
    choices = [this_browser] if this_browser else []
    if not choices and devices.may_confirm_by_pin_alone(secret):
        choices = registered
    if choices and not st.session_state.get(REGISTER_KEY):
        if this_browser is None and secret is not None:
            st.info(
                "Demo-Modus: Die Demo-Personas bestätigen ihr Gerät in jedem Browser mit der "
                "Demo-PIN. Im Betrieb braucht ein neuer Browser eine neue Identifizierung."
            )
        _pin_form(actor, choices, recognised=this_browser is not None)
        st.divider()
        st.subheader("Neues Gerät?")
        st.write(
            "Bei einem Gerätewechsel ist eine neue Identifizierung über Nect Wallet nötig. "
            "Danach registrieren Sie diesen Browser mit einer eigenen App-PIN."
        )
        st.button(
            "Dieses Gerät neu registrieren",
            key="device_new",
            on_click=lambda: st.session_state.update({REGISTER_KEY: True}),
        )
        return
    _show_message()
    if not registered:
        st.info(
            "Für Ihr Konto ist kein Gerät registriert. Identifizieren Sie sich erneut über "
            "Nect Wallet, um diesen Browser zu registrieren."
        )
    elif not choices:
        st.info(
            "Dieser Browser ist nicht als Gerät registriert. Bei einem Gerätewechsel ist eine "
            "neue Identifizierung über Nect Wallet nötig; danach registrieren Sie diesen "
            "Browser mit einer eigenen App-PIN."
        )
    wizard.render(_start_new_device(actor))
    if choices:
        st.button("Zurück zur PIN-Eingabe", key="device_back", on_click=_back_to_pin)
