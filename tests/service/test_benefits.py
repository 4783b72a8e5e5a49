"""The Leistungs- und Serviceüberblick: seeded from data, searchable, edited by staff only."""

import json

import pytest
from sqlmodel import select

from core import benefits
from core.benefits import BenefitChanged, BenefitEdit, InvalidBenefit
from core.documents import DOCUMENT_TYPES
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.benefits import TEXT_MAX, TITLE_MAX, Benefit
from tests.factories import make_account, make_member

CONTENT = json.loads(benefits.CONTENT_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def clerk(session):
    return make_account(session, username="clerk", role=Role.CLERK)


def _entry(session, slug):
    return next(entry for entry in benefits.catalogue(session) if entry.slug == slug)


def _edit(entry, **changes) -> BenefitEdit:
    values = {name: getattr(entry, name) for name in benefits.FIELD_LABELS}
    return BenefitEdit(**{**values, **changes})


def _titles(entries):
    return [entry.title for entry in entries]


# The content file


def test_the_content_file_has_at_least_25_valid_entries_covering_every_life_situation():
    entries = CONTENT["benefits"]
    assert len(entries) >= 25
    assert len({entry["slug"] for entry in entries}) == len(entries)
    assert {entry["life_situation"] for entry in entries} == set(benefits.life_situations())
    for entry in entries:
        benefits.parse_action(entry["action"])  # raises on an unknown action or document type


def test_every_document_type_and_every_other_action_is_used_somewhere():
    actions = {entry["action"] for entry in CONTENT["benefits"]}
    assert {f"document:{t}" for t in DOCUMENT_TYPES} | {
        "certificate",
        "contact",
        "health_card",
    } == (actions)


# Seeding


def test_the_first_catalogue_access_fills_an_empty_table_from_the_content_file(session):
    assert benefits.count_benefits(session) == 0

    entries = benefits.catalogue(session)

    assert len(entries) == len(CONTENT["benefits"])
    assert {entry.updated_by for entry in entries} == {"system"}


def test_seeding_again_adds_only_missing_entries_and_keeps_edits(session, clerk):
    entry = _entry(session, "krankengeld")
    benefits.update_benefit(
        session, actor=clerk, benefit_id=entry.id, edit=_edit(entry, summary="Geändert.")
    )
    session.delete(session.exec(select(Benefit).where(Benefit.slug == "osteopathie")).one())
    session.commit()

    assert benefits.seed_catalogue(session) == 1

    assert _entry(session, "krankengeld").summary == "Geändert."
    assert _entry(session, "osteopathie").title == "Osteopathie"
    assert benefits.seed_catalogue(session) == 0


def test_the_catalogue_is_sorted_a_to_z_with_umlauts_as_their_base_letter(session):
    titles = _titles(benefits.catalogue(session))

    assert titles == sorted(titles, key=benefits.sort_key)
    assert titles.index("Arbeitsunfähigkeit melden") < titles.index("Ärztliche Zweitmeinung")
    assert titles.index("Ärztliche Zweitmeinung") < titles.index("Befreiung von Zuzahlungen")
    assert benefits.first_letter("Ärztliche Zweitmeinung") == "A"


# Search


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("Festzuschuss", "Zahnersatz (Festzuschuss)"),  # a word from the summary
        ("heil- und kostenplan", "Zahnersatz (Festzuschuss)"),  # from what to send
        ("ZAHNSPANGE", "Kieferorthopädie für Kinder und Jugendliche"),  # a keyword, upper case
        ("kieferorthopaedie", "Kieferorthopädie für Kinder und Jugendliche"),  # ae for ä
        ("Dioptrien", "Brillen und Kontaktlinsen"),  # from who is eligible
        ("rückenschule", "Gesundheitskurse"),
        ("ruckenschule", None),  # a missing umlaut is not guessed
    ],
)
def test_search_finds_a_benefit_by_any_word_in_its_text(session, query, title):
    found = _titles(benefits.search(benefits.catalogue(session), query=query))

    if title is None:
        assert found == []
    else:
        assert title in found


def test_every_word_of_a_query_must_match_and_the_life_situation_narrows(session):
    entries = benefits.catalogue(session)

    assert _titles(benefits.search(entries, query="Urlaub Arztrechnung")) == [
        "Kostenerstattung nach Behandlung im Ausland"
    ]
    pflege = benefits.search(entries, life_situation="Pflege")
    assert _titles(pflege) == ["Pflegeberatung", "Pflegegeld", "Verhinderungspflege"]
    assert benefits.search(entries, query="Zahnspange", life_situation="Pflege") == []
    assert len(benefits.search(entries, query="   ")) == len(entries)


# Editing


def test_a_clerk_edits_an_entry_and_the_change_is_audited_with_the_changed_fields(session, clerk):
    entry = _entry(session, "hoergeraete")

    saved = benefits.update_benefit(
        session,
        actor=clerk,
        benefit_id=entry.id,
        edit=_edit(entry, title="  Hörgeräte und Hörhilfen ", keywords="Ohr,  HNO ,, Ohr"),
    )

    assert saved.title == "Hörgeräte und Hörhilfen"
    assert saved.keywords == "Ohr, HNO"
    assert saved.updated_by == "clerk"
    assert saved.updated_at > entry.updated_at
    (logged,) = session.exec(select(AuditEntry).where(AuditEntry.action == "benefit_updated")).all()
    assert (logged.actor, logged.subject_id) == ("clerk", "hoergeraete")
    assert json.loads(logged.details) == {"fields": ["keywords", "title"]}


def test_saving_unchanged_text_writes_no_audit_entry(session, clerk):
    entry = _entry(session, "pflegegeld")

    saved = benefits.update_benefit(session, actor=clerk, benefit_id=entry.id, edit=_edit(entry))

    assert saved.updated_at == entry.updated_at
    assert (
        session.exec(select(AuditEntry).where(AuditEntry.action == "benefit_updated")).all() == []
    )


def test_an_admin_may_edit_but_a_member_may_not(session):
    entry = _entry(session, "pflegegeld")
    admin = make_account(session, username="chefin", role=Role.ADMIN)
    member = make_account(session, username="lena", member=make_member(session))

    benefits.update_benefit(
        session, actor=admin, benefit_id=entry.id, edit=_edit(entry, summary="Neu.")
    )
    with pytest.raises(NotAllowed):
        benefits.update_benefit(
            session, actor=member, benefit_id=entry.id, edit=_edit(entry, summary="Böse.")
        )
    assert _entry(session, "pflegegeld").summary == "Neu."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "x" * (TITLE_MAX + 1)}, "„Titel“ ist zu lang (höchstens 120 Zeichen)."),
        ({"summary": "x" * (TEXT_MAX + 1)}, "„Kurzbeschreibung“ ist zu lang"),
        ({"what_to_send": "  "}, "Bitte füllen Sie „Was senden Sie uns?“ aus."),
        ({"life_situation": "Urlaub"}, "Bitte wählen Sie eine der vorgegebenen Lebenslagen."),
        ({"action": "document:steuer"}, "Diese Aktion gibt es nicht."),
        ({"action": "messenger"}, "Diese Aktion gibt es nicht."),
    ],
)
def test_invalid_edits_are_refused_with_the_reason(session, clerk, changes, message):
    entry = _entry(session, "pflegegeld")

    with pytest.raises(InvalidBenefit) as refused:
        benefits.update_benefit(
            session, actor=clerk, benefit_id=entry.id, edit=_edit(entry, **changes)
        )

    assert refused.value.message.startswith(message)
    assert _entry(session, "pflegegeld").title == "Pflegegeld"


def test_text_at_the_length_limit_is_accepted_and_control_characters_are_dropped(session, clerk):
    entry = _entry(session, "pflegegeld")
    longest = "ä" * TEXT_MAX

    saved = benefits.update_benefit(
        session,
        actor=clerk,
        benefit_id=entry.id,
        edit=_edit(entry, summary=longest, eligibility="Alle\x00 Versicherten\nab Pflegegrad 2"),
    )

    assert saved.summary == longest
    assert saved.eligibility == "Alle Versicherten\nab Pflegegrad 2"


def test_html_is_stored_as_typed_it_is_the_renderer_that_escapes_it(session, clerk):
    entry = _entry(session, "pflegegeld")
    markup = '<img src=x onerror="alert(1)"> **fett**'

    saved = benefits.update_benefit(
        session, actor=clerk, benefit_id=entry.id, edit=_edit(entry, summary=markup)
    )

    assert saved.summary == markup


def test_a_save_based_on_an_outdated_version_is_refused(session, clerk):
    entry = _entry(session, "pflegegeld")
    other = make_account(session, username="clerk2", role=Role.CLERK)
    benefits.update_benefit(
        session,
        actor=other,
        benefit_id=entry.id,
        edit=_edit(entry, summary="Erste Fassung."),
        expected_updated_at=entry.updated_at,
    )

    with pytest.raises(BenefitChanged):
        benefits.update_benefit(
            session,
            actor=clerk,
            benefit_id=entry.id,
            edit=_edit(entry, summary="Zweite Fassung."),
            expected_updated_at=entry.updated_at,
        )

    assert _entry(session, "pflegegeld").summary == "Erste Fassung."


def test_actions_name_the_next_step():
    assert benefits.parse_action("document:au").label == (
        "Dokument senden: Arbeitsunfähigkeitsbescheinigung"
    )
    assert benefits.parse_action("certificate").label == "Bescheinigung anfordern"
    assert benefits.parse_action("contact").label == "Nachricht an die HEK"
    assert set(benefits.action_choices()) == {
        *(f"document:{t}" for t in DOCUMENT_TYPES),
        "certificate",
        "contact",
        "health_card",
    }
