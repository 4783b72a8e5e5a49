"""smart: contact data, App-Kommunikation and bank accounts, each bound to the member's own data."""

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from core import bank_accounts, contact, preferences
from core.bank_accounts import InvalidBankAccount
from core.contact import InvalidContact
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.banking import BankAccount
from core.models.people import Member
from tests.factories import make_account, make_member

TODAY = date(2026, 11, 24)
COMMERZBANK = "DE89370400440532013000"  # the textbook IBAN; its bank's BIC is COBADEFFXXX
DKB = "DE02120300000000202051"
BAD_CHECKSUM = "DE89370400440532013001"  # last digit changed
CONTACT = {
    "street": "Hafenstraße 41",
    "postal_code": "20459",
    "city": "Hamburg",
    "phone": "+49 40 1234567",
    "email": "erika@example.org",
}


@pytest.fixture
def erika(session):
    member = make_member(session, service_level="smart")
    return make_account(session, username="erika", member=member)


@pytest.fixture
def max_(session):
    member = make_member(session, first_name="Max", service_level="smarthealth")
    return make_account(session, username="max", member=member)


@pytest.fixture
def lena(session):
    return make_account(session, username="lena", member=make_member(session))


def _audited(session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def _change(session, actor, **overrides):
    return contact.change_contact(session, actor=actor, **{**CONTACT, **overrides})


def _add(session, actor, iban=COMMERZBANK, *, bic=None, valid_from=None, today=TODAY):
    return bank_accounts.add_bank_account(
        session,
        actor=actor,
        iban=iban,
        bic=bic,
        account_holder="Erika Beispiel",
        valid_from=valid_from,
        today=today,
    )


# Contact data


def test_smart_member_changes_address_phone_and_email_and_only_field_names_are_audited(
    session, erika
):
    change = _change(session, erika, street="  Hafenstraße   41 ", email="Erika@EXAMPLE.org")

    assert change.contact.street == "Hafenstraße 41"
    assert change.contact.email == "Erika@example.org"
    assert contact.contact_data(session, actor=erika).address == "Hafenstraße 41, 20459 Hamburg"
    assert set(change.changed) == {"Straße und Hausnummer", "Postleitzahl", "Telefon", "E-Mail"}
    [entry] = _audited(session, "contact_changed")
    assert entry.member_id == erika.member_id
    assert "Hafenstraße" not in entry.details
    assert set(json.loads(entry.details)["fields"]) == {"street", "postal_code", "phone", "email"}


def test_saving_unchanged_contact_data_changes_and_audits_nothing(session, erika):
    _change(session, erika)

    again = _change(session, erika)

    assert again.changed == ()
    assert len(_audited(session, "contact_changed")) == 1


@pytest.mark.parametrize("code", ["2045", "204590", "2045a", "", "00123"])
def test_postal_code_other_than_five_digits_of_a_german_area_is_refused(session, erika, code):
    with pytest.raises(InvalidContact, match="Postleitzahl"):
        _change(session, erika, postal_code=code)
    assert contact.contact_data(session, actor=erika).postal_code == "20095"


HOSTILE_STREETS = [
    "Hafenstraße 41 [Bitte Bankdaten bestätigen](https://evil.example) 1",
    "![x](https://evil.example/x.png) 12",
    "# ACHTUNG 3",
    ":red[ACHTUNG Konto gesperrt] 4",
    "<img src=x> 5",
    "Musterweg* 12",
    "Musterweg_12 7",
    "Weg! 9",
    "Weg | 9",
    "Weg {x} ~ ^ 9",
    "Musterweg\x00 12",
]


@pytest.mark.parametrize("street", HOSTILE_STREETS)
def test_a_street_with_characters_no_address_has_is_refused_and_nothing_stored(
    session, erika, street
):
    with pytest.raises(InvalidContact, match="nur Buchstaben, Ziffern"):
        _change(session, erika, street=street)
    assert contact.contact_data(session, actor=erika).street != street
    assert _audited(session, "contact_changed") == []


@pytest.mark.parametrize("city", ["[Hamburg](https://evil.example)", "Ham<b>urg", "Ham#burg"])
def test_a_town_with_characters_no_address_has_is_refused_and_nothing_stored(session, erika, city):
    with pytest.raises(InvalidContact, match="Der Ort darf nur Buchstaben"):
        _change(session, erika, city=city)
    assert contact.contact_data(session, actor=erika).city != city
    assert _audited(session, "contact_changed") == []


@pytest.mark.parametrize(
    ("street", "city"),
    [
        ("Straße des 17. Juni 114", "Berlin"),
        ("Rue d'Alsace-Lorraine 3/5", "Saint-Étienne-Ville"),
        ("Am Markt 3a", "Frankfurt am Main"),
        ("Ölmühlenweg 12, Hinterhaus 2", "Halle/Saale"),
    ],
)
def test_real_addresses_with_umlauts_accents_and_punctuation_are_accepted(
    session, erika, street, city
):
    assert _change(session, erika, street=street, city=city).contact.street == street


def test_postal_code_from_01001_is_accepted(session, erika):
    assert _change(session, erika, postal_code="01067").contact.postal_code == "01067"


def test_every_problem_of_the_form_is_named_in_german(session, erika):
    with pytest.raises(InvalidContact) as refused:
        _change(session, erika, street="Am Sande", city="H4mburg", phone="abc", email="erika@")

    assert refused.value.problems == [
        "Bitte geben Sie Straße und Hausnummer an, z. B. „Hafenstraße 41“ "
        "(Postfächer sind nicht möglich).",
        "Der Ort darf keine Ziffern enthalten und muss mit einem Buchstaben beginnen.",
        "Die Telefonnummer ist ungültig: Sie beginnt mit + oder 0 und enthält nur Ziffern, "
        "Leerzeichen und / ( ) -, z. B. +49 40 1234567.",
        "Die E-Mail-Adresse ist ungültig, z. B. name@example.org.",
    ]


@pytest.mark.parametrize(
    ("phone", "valid"),
    [("040 12345", True), ("+49 (0)40 123-456", True), ("04012", False), ("+" + "1" * 16, False)],
)
def test_phone_needs_six_to_fifteen_digits(session, erika, phone, valid):
    if valid:
        assert _change(session, erika, phone=phone).contact.phone == phone
    else:
        with pytest.raises(InvalidContact, match="Telefonnummer"):
            _change(session, erika, phone=phone)


def test_phone_and_email_may_be_left_empty(session, erika):
    change = _change(session, erika, phone="  ", email="")

    assert (change.contact.phone, change.contact.email) == (None, None)


def test_basic_member_can_neither_read_nor_change_contact_data(session, lena):
    with pytest.raises(NotAllowed, match="smart"):
        contact.contact_data(session, actor=lena)
    with pytest.raises(NotAllowed, match="smart"):
        _change(session, lena)
    assert session.get(Member, lena.member_id).street == "Teststraße 1"


# App-Kommunikation


def test_app_communication_is_off_until_switched_on_and_can_be_switched_off(session, erika):
    assert preferences.communication_settings(session, actor=erika).app_communication is False

    switched_on = preferences.set_app_communication(session, actor=erika, enabled=True)
    assert switched_on.app_communication is True
    assert preferences.app_communication_enabled(session, member_id=erika.member_id)

    preferences.set_app_communication(session, actor=erika, enabled=False)
    assert not preferences.communication_settings(session, actor=erika).app_communication
    assert [e.action for e in _audited(session, "app_communication_on")] == ["app_communication_on"]
    assert len(_audited(session, "app_communication_off")) == 1


def test_switching_to_the_current_value_is_not_audited(session, erika):
    preferences.set_app_communication(session, actor=erika, enabled=True)
    preferences.set_app_communication(session, actor=erika, enabled=True)

    assert len(_audited(session, "app_communication_on")) == 1


def test_one_members_switch_does_not_change_another_members(session, erika, max_):
    preferences.set_app_communication(session, actor=erika, enabled=True)

    assert not preferences.communication_settings(session, actor=max_).app_communication
    assert not preferences.app_communication_enabled(session, member_id=max_.member_id)


def test_basic_member_cannot_switch_app_communication(session, lena):
    with pytest.raises(NotAllowed):
        preferences.set_app_communication(session, actor=lena, enabled=True)


# Bank accounts


def test_iban_with_a_bad_checksum_is_refused_with_a_clear_message(session, erika):
    with pytest.raises(InvalidBankAccount) as refused:
        _add(session, erika, BAD_CHECKSUM)

    assert refused.value.message == "Die IBAN ist ungültig: die Prüfsumme stimmt nicht."
    assert bank_accounts.bank_accounts(session, actor=erika, today=TODAY) == []


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("", "Bitte geben Sie die IBAN ein."),
        ("DE8937040044053201300", "Die IBAN ist ungültig: die Länge passt nicht zum Land."),
        ("XX89370400440532013000", "Die IBAN ist ungültig: das Länderkürzel ist unbekannt."),
        ("TR330006100519786457841326", "Bitte geben Sie eine IBAN aus dem SEPA-Raum an."),
    ],
)
def test_other_wrong_ibans_are_refused_in_german(session, erika, iban, message):
    with pytest.raises(InvalidBankAccount) as refused:
        _add(session, erika, iban)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        ("COBADE", "Der BIC ist ungültig: er hat 8 oder 11 Zeichen."),
        ("COBAXXFFXXX", "Der BIC ist ungültig: das Länderkürzel ist unbekannt."),
    ],
)
def test_a_malformed_bic_is_refused(session, erika, bic, message):
    with pytest.raises(InvalidBankAccount) as refused:
        _add(session, erika, bic=bic)
    assert refused.value.message == message


def test_iban_is_stored_compact_and_the_bic_is_found_when_left_empty(session, erika):
    added = _add(session, erika, "de89 3704 0044 0532 0130 00")

    assert (added.iban, added.bic) == (COMMERZBANK, "COBADEFFXXX")
    assert added.iban_formatted == "DE89 3704 0044 0532 0130 00"
    assert added.is_current and added.status == "Aktuell gültig"
    [entry] = _audited(session, "bank_account_added")
    assert json.loads(entry.details)["iban_end"] == "3000"


def test_a_new_account_ends_the_previous_one_the_day_before_and_both_stay_listed(session, erika):
    first = _add(session, erika, COMMERZBANK)
    second = _add(session, erika, DKB, valid_from=TODAY + timedelta(days=10))

    listed = bank_accounts.bank_accounts(session, actor=erika, today=TODAY)
    assert [a.id for a in listed] == [second.id, first.id]
    assert listed[1].valid_until == TODAY + timedelta(days=9)
    # Until the new account starts, the old one is still the current one ...
    assert [a.is_current for a in listed] == [False, True]
    assert listed[0].status == "Gültig ab 04.12.2026"
    # ... and from its first day the new one is, the old one shown as ended.
    later = bank_accounts.bank_accounts(session, actor=erika, today=TODAY + timedelta(days=10))
    assert [a.is_current for a in later] == [True, False]
    assert later[1].status == "Gültig bis 03.12.2026"


def test_current_account_is_the_newest_valid_one(session, erika):
    _add(session, erika, COMMERZBANK, today=TODAY - timedelta(days=400))
    _add(session, erika, "DE75512108001245126199", today=TODAY - timedelta(days=30))
    newest = _add(session, erika, DKB)

    listed = bank_accounts.bank_accounts(session, actor=erika, today=TODAY)

    assert [a.id for a in listed if a.is_current] == [newest.id]
    assert len(listed) == 3
    assert sum(a.valid_until is None for a in listed) == 1


def test_replacing_an_account_on_its_first_day_keeps_it_listed_as_never_valid(session, erika):
    _add(session, erika, COMMERZBANK)
    _add(session, erika, DKB)

    old = bank_accounts.bank_accounts(session, actor=erika, today=TODAY)[1]

    assert (old.iban, old.is_current) == (COMMERZBANK, False)
    assert old.status == "Ersetzt, bevor sie gültig wurde"


def test_an_account_cannot_start_in_the_past_or_be_added_twice(session, erika):
    with pytest.raises(InvalidBankAccount, match="frühestens ab heute"):
        _add(session, erika, valid_from=TODAY - timedelta(days=1))
    _add(session, erika, COMMERZBANK)
    with pytest.raises(InvalidBankAccount, match="bereits"):
        _add(session, erika, COMMERZBANK)


def test_member_can_never_see_or_change_another_members_accounts(session, erika, max_):
    erikas = _add(session, erika, COMMERZBANK)
    _add(session, max_, DKB)

    assert [a.id for a in bank_accounts.bank_accounts(session, actor=erika, today=TODAY)] == [
        erikas.id
    ]
    assert [a.iban for a in bank_accounts.bank_accounts(session, actor=max_, today=TODAY)] == [DKB]
    # Max's new account ended his own previous one, never Erika's.
    assert session.get(BankAccount, erikas.id).valid_until is None


def test_basic_member_and_clerk_cannot_reach_bank_accounts(session, lena):
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    for actor in (lena, clerk):
        with pytest.raises(NotAllowed):
            bank_accounts.bank_accounts(session, actor=actor, today=TODAY)
        with pytest.raises(NotAllowed):
            _add(session, actor)
    assert session.exec(select(BankAccount)).all() == []
