"""Nothing a member, a clerk or a KV-Connect sender typed is ever Markdown on another screen.

Every stored text field gets a hostile value (a link, an image, a heading, a colour directive,
HTML, a javascript: URL) straight in the database; then every persona opens every screen it
may open, and the Markdown source of every element that Streamlit renders as Markdown is
parsed: none of it may yield a link, an image, a heading or a directive from that value.
"""

import re

import pytest
from google.protobuf.json_format import MessageToDict
from markdown_it import MarkdownIt
from sqlmodel import Session, select

from core.models.documents import Submission
from core.models.family import FamilyMember
from core.models.identity import RegisteredDevice
from core.models.letters import Letter
from core.models.messages import Conversation
from core.models.people import Member
from core.seed import DEMO_PERSONAS
from tests.app.helpers import login
from tests.app.test_app_screens import _level
from ui.registry import SCREENS, may_open
from ui.text import plain

MARKER = "evil.example"
HOSTILE = (
    "# ACHTUNG [Bitte Bankdaten bestätigen](https://evil.example) "
    "![x](https://evil.example/x.png) :red[ACHTUNG Konto gesperrt] "
    "<img src=https://evil.example/y.png> javascript:alert(1) www.evil.example"
)
# The same attacks, cut to the columns' lengths (the read models check them).
LONG = (
    "# ACHTUNG [Bitte Bankdaten bestätigen](https://evil.example) ![x](https://evil.example/x.png)"
)
MEDIUM = ":red[ACHTUNG Konto gesperrt] <img src=https://evil.example/y.png>"
SHORT = "![x](https://evil.example/x.png)"  # 40 characters at most
# Elements whose text Streamlit renders as Markdown (st.text, code and selectbox options are
# plain and may show the value as typed).
MARKDOWN_KINDS = {
    "markdown",
    "caption",
    "latex",
    "title",
    "header",
    "subheader",
    "divider",
    "alert",
    "error",
    "info",
    "success",
    "warning",
    "toast",
    "exception",
    "button",
    "download_button",
    "link_button",
    "page_link",
    "checkbox",
    "toggle",
    "radio",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "selectbox",
    "multiselect",
    "file_uploader",
    "metric",
    "expandable",
    "tab",
    "popover",
    "form",
    "chat_message",
}
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_AUTOLINK = re.compile(r"(?i)https?://evil|www\.evil")
_DIRECTIVE = re.compile(r"(?<!\\):[a-z-]+\[ACHTUNG")


def _texts(node) -> list[tuple[str, str]]:
    """(kind, markdown source) of every label, body and radio option below `node`."""
    found = []
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if proto is not None and hasattr(proto, "DESCRIPTOR"):
        fields = MessageToDict(proto, preserving_proto_field_name=True)
        for name, value in _walk(fields):
            if name in {"label", "body", "help", "placeholder"} or (
                name == "options" and kind == "radio"
            ):
                found.append((kind or name, value))
    for child in getattr(node, "children", {}).values():
        found += _texts(child)
    return found


def _walk(value, name=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, name)
    elif isinstance(value, str):
        yield name, value


def _rendered_from_hostile_text(source: str) -> list[str]:
    """What the hostile value became in `source`: links, images, headings, HTML, directives."""
    problems = []
    if _AUTOLINK.search(source):  # GFM links "https://…" and "www.…" by themselves
        problems.append("autolink")
    if _DIRECTIVE.search(source):
        problems.append("colour directive")
    tokens = _MARKDOWN.parse(source)
    for index, token in enumerate(tokens):
        for inner in [token, *(token.children or [])]:
            target = str(inner.attrs.get("href") or inner.attrs.get("src") or inner.content)
            if inner.type in {"link_open", "image", "html_inline", "html_block"} and (
                MARKER in target or "javascript" in target
            ):
                problems.append(inner.type)
        if token.type == "heading_open" and "ACHTUNG" in tokens[index + 1].content:
            problems.append("heading")
    return problems


def test_plain_turns_every_hostile_form_into_literal_text():
    assert _rendered_from_hostile_text(HOSTILE)  # the check itself sees the attack
    assert _rendered_from_hostile_text(plain(HOSTILE)) == []
    for value in (LONG, MEDIUM, SHORT):
        assert _rendered_from_hostile_text(value)
        assert _rendered_from_hostile_text(plain(value)) == []


@pytest.fixture(scope="module", autouse=True)
def hostile_portal(portal_db):
    """Every member-, clerk- and sender-typed column of the portal database made hostile."""
    with Session(portal_db) as session:
        for member in session.exec(select(Member)):
            member.street, member.city, member.phone = LONG, MEDIUM, SHORT
            session.add(member)
        for relative in session.exec(select(FamilyMember)):
            relative.first_name, relative.last_name = MEDIUM, "# ACHTUNG ![x](https://evil.example)"
            session.add(relative)
        for conversation in session.exec(select(Conversation)):
            conversation.subject = LONG
            session.add(conversation)
        for letter in session.exec(select(Letter)):
            letter.subject = HOSTILE
            letter.attachment_name = LONG
            session.add(letter)
        for submission in session.exec(select(Submission)):
            submission.note, submission.original_name = HOSTILE, LONG
            submission.member_message, submission.internal_note = HOSTILE, HOSTILE
            session.add(submission)
        for device in session.exec(select(RegisteredDevice)):
            device.name = SHORT
            session.add(device)
        session.commit()
        first_member = session.exec(select(Member.id)).first()
        first_case = session.exec(select(Submission.id)).first()
    return {"open_member_id": first_member, "case_id": first_case}


def _cases() -> list:
    return [
        pytest.param(persona, screen, id=f"{persona.username}-{screen.url_path}")
        for persona in DEMO_PERSONAS
        for screen in SCREENS
        if may_open(screen, role=persona.role, service_level=_level(persona))
        and not screen.signed_out_only
    ]


@pytest.mark.parametrize(("persona", "screen"), _cases())
def test_no_screen_renders_typed_text_as_markdown(hostile_portal, persona, screen):
    at = login(persona.username)
    if persona.role != "member":  # open a member's file and a case where the screen has one
        for key, value in hostile_portal.items():
            at.session_state[key] = value
    at.switch_page(screen.path).run()
    assert not at.exception

    texts = _texts(at._tree)
    rendered = {
        (kind, source): problems
        for kind, source in texts
        if kind in MARKDOWN_KINDS and (problems := _rendered_from_hostile_text(source))
    }
    assert rendered == {}
