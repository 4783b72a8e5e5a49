"""The clerk's member search: by KVNR and by name; every opening lands in the audit log."""

import json

from sqlmodel import select

from core import audit
from core.db import session_scope
from core.models.people import Member
from core.seed import DEMO_PERSONAS
from tests.app.helpers import infos, login, shown_text

LENA = next(p for p in DEMO_PERSONAS if p.username == "lena.basic")


def _member_search():
    return login("sachbearbeitung").switch_page("pages/clerk_members.py").run()


def _search(at, query: str):
    return at.text_input(key="member_query").input(query).run()


def _lena_id() -> int:
    with session_scope() as session:
        return session.exec(select(Member.id).where(Member.kvnr == LENA.kvnr)).one()


def test_search_by_kvnr_finds_exactly_that_member():
    at = _search(_member_search(), LENA.kvnr)

    assert not at.exception
    assert at.selectbox(key="member_choice").options == [f"Berger, Lena · {LENA.kvnr} · 17.04.1991"]


def test_search_by_last_name_finds_the_member():
    at = _search(_member_search(), "berger")

    options = at.selectbox(key="member_choice").options
    assert f"Berger, Lena · {LENA.kvnr} · 17.04.1991" in options
    assert all(option.startswith("Berger, ") for option in options)


def test_search_without_hits_says_so():
    at = _search(_member_search(), "Zzyzx")

    assert infos(at) == ["Keine Versicherten gefunden."]
    assert len(at.selectbox) == 0


def test_opening_a_member_shows_the_record_and_is_audited():
    at = _search(_member_search(), LENA.kvnr)

    at.button(key="open_member").click().run()

    assert not at.exception
    text = shown_text(at)
    assert "Lena Berger" in text
    assert f"**Versichertennummer:** {LENA.kvnr}" in text
    assert "**Anschrift:** Lindenallee 3, 20095 Hamburg" in text
    with session_scope() as session:
        entries = audit.recent_entries(session, limit=5)
    opened, searched = entries[0], entries[1]
    assert (opened.actor, opened.action, opened.member_id) == (
        "sachbearbeitung",
        "view_member",
        _lena_id(),
    )
    assert (searched.action, json.loads(searched.details)["query"]) == (
        "search_members",
        LENA.kvnr,
    )


def test_choosing_one_of_several_hits_opens_that_member():
    with session_scope() as session:
        emre = session.exec(select(Member).where(Member.first_name == "Emre")).one()
    at = _search(_member_search(), "Yilmaz")
    choice = at.selectbox(key="member_choice")
    assert len(choice.options) == 4  # the Yilmaz household

    choice.set_value(emre.id).run()
    at.button(key="open_member").click().run()

    assert not at.exception
    assert f"**Versichertennummer:** {emre.kvnr}" in shown_text(at)
