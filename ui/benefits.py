"""How a Leistungsüberblick entry looks, for members and in the clerk's preview.

Staff edit these texts, so they are never trusted as markup. The bodies go through st.text
(no Markdown, no HTML, no autolinks); where Streamlit only offers Markdown (expander labels,
captions), `plain` backslash-escapes every character Markdown or HTML would interpret.
"""

import re

import streamlit as st

from core import benefits
from core.actors import Actor
from core.models.benefits import BenefitRead
from ui.registry import SCREENS, may_open

# Every ASCII punctuation character that Markdown, HTML or Streamlit's LaTeX could read.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^])")
ACTION_PAGES = {
    benefits.CERTIFICATE_ACTION: "pages/member_certificates.py",
    benefits.HEALTH_CARD_ACTION: "pages/member_health_card.py",
}
SEND_PAGE = "pages/member_send_document.py"
MESSENGER_PAGE = "pages/member_messenger.py"
DIGITAL_CARD_PAGE = "pages/member_digital_card.py"
SEND_PAGE_TYPE_KEY = "doc_type"  # the send page's selectbox key: preset it to preselect a type
HOTLINE_TEXT = f"erreichen Sie uns kostenfrei unter **{benefits.HOTLINE}**."
NO_MESSENGER_YET = (
    "**Nachricht an die HEK:** Den Messenger gibt es im Portal noch nicht. Bis dahin "
    + HOTLINE_TEXT
)
MESSENGER_WITH_SMART = (
    "**Nachricht an die HEK:** Den Messenger nutzen Sie mit der smart-Version. Sonst "
    + HOTLINE_TEXT
)


def plain(text: str) -> str:
    """Markdown source that shows `text` literally: no HTML, links, emphasis or formulas."""
    lines = (_MARKUP.sub(r"\\\1", line.strip()) for line in text.splitlines())
    return "  \n".join(line for line in lines if line)


def reachable(actor: Actor, path: str) -> bool:
    """Whether `path` is a registered screen this actor may open (features arrive one by one)."""
    screen = next((screen for screen in SCREENS if screen.path == path), None)
    return screen is not None and may_open(
        screen, role=actor.role, service_level=actor.service_level
    )


def _labelled(label: str, text: str) -> None:
    with st.container(gap="xxsmall"):
        st.markdown(f"**{label}**")
        st.text(text)


def render_benefit(entry: BenefitRead, *, actor: Actor | None = None) -> None:
    """The body of an entry: what it is, who may have it, what to send, and (for a member
    `actor`) the button to the next step."""
    st.text(entry.summary)
    _labelled("Wer hat Anspruch?", entry.eligibility)
    _labelled("Was senden Sie uns?", entry.what_to_send)
    st.caption(f"Lebenslage: {plain(entry.life_situation)}")
    if actor is not None:
        render_action(entry, actor=actor)


def render_action(entry: BenefitRead, *, actor: Actor) -> None:
    action = benefits.parse_action(entry.action)
    if action.kind == benefits.CONTACT_ACTION:
        if not reachable(actor, MESSENGER_PAGE):
            registered = any(screen.path == MESSENGER_PAGE for screen in SCREENS)
            text = MESSENGER_WITH_SMART if registered else NO_MESSENGER_YET
            st.info(text, icon=":material/call:")
            return
        if st.button(action.label, key=f"benefit_go_{entry.slug}", icon=":material/chat:"):
            st.switch_page(MESSENGER_PAGE)
        return
    icon = ":material/upload_file:" if action.kind == "document" else ":material/arrow_forward:"
    if st.button(action.label, key=f"benefit_go_{entry.slug}", icon=icon, type="primary"):
        if action.kind == "document":
            st.session_state[SEND_PAGE_TYPE_KEY] = action.doc_type
            st.switch_page(SEND_PAGE)
        st.switch_page(ACTION_PAGES[action.kind])
