"""Tracking IDs and pseudonyms: readable on the phone, every single typo caught."""

import base64
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.identifiers import (
    ALPHABET,
    PSEUDONYM_PREFIX,
    InvalidIdentifier,
    check_character,
    decode_base32,
    encode_base32,
    new_pseudonym,
    new_tracking_id,
    parse_identifier,
    with_check_character,
)

_SHAPE = re.compile(r"(HEK|PSN)-([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]")
_RFC4648_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)


def _substitutions(canonical: str):
    """Every identifier that differs from canonical in exactly one body character."""
    for position, original in enumerate(canonical):
        if original == "-" or position < 4:
            continue
        for replacement in ALPHABET:
            if replacement != original:
                yield canonical[:position] + replacement + canonical[position + 1 :]


def test_tracking_id_has_the_readable_shape():
    tracking_id = new_tracking_id()
    assert _SHAPE.fullmatch(tracking_id)
    assert tracking_id.startswith("HEK-")


def test_pseudonym_has_the_readable_shape():
    pseudonym = new_pseudonym()
    assert _SHAPE.fullmatch(pseudonym)
    assert pseudonym.startswith("PSN-")


def test_ten_thousand_tracking_ids_are_all_different():
    assert len({new_tracking_id() for _ in range(10_000)}) == 10_000


def test_alphabet_has_no_look_alike_letters():
    assert len(set(ALPHABET)) == 32
    assert not set("OILU") & set(ALPHABET)


def test_fresh_identifiers_parse_to_themselves():
    tracking_id = new_tracking_id()
    pseudonym = new_pseudonym()
    assert parse_identifier(tracking_id) == tracking_id
    assert parse_identifier(pseudonym, prefix=PSEUDONYM_PREFIX) == pseudonym


def test_known_answer_for_fixed_bytes():
    assert with_check_character(bytes(range(10))) == "000G40R40M30E209J"
    assert with_check_character(bytes(10)) == "00000000000000000"
    assert with_check_character(b"\xff" * 10) == "ZZZZZZZZZZZZZZZZM"
    assert with_check_character(b"hello worl") == "D1JPRV3F41VPYWKCG"


def test_base32_matches_the_standard_library_with_crockford_letters():
    data = bytes(range(100, 120))
    assert encode_base32(data) == base64.b32encode(data).decode().translate(_RFC4648_TO_CROCKFORD)


def test_case_spaces_dashes_and_missing_prefix_are_forgiven():
    expected = "HEK-000G-40R4-0M30-E209-J"
    for typed in (
        "hek-000g-40r4-0m30-e209-j",
        " HEK 000G 40R4 0M30 E209 J ",
        "000G40R40M30E209J",
        "000g-40r4-0m30-e209-j",
    ):
        assert parse_identifier(typed) == expected


def test_letter_o_is_read_as_zero_and_i_and_l_as_one():
    assert parse_identifier("HEK-OOOG-40R4-OM30-E2O9-J") == "HEK-000G-40R4-0M30-E209-J"
    canonical = "HEK-" + "-".join(["1111"] * 4) + "-" + check_character("1" * 16)
    assert parse_identifier(canonical.replace("1", "I", 2).replace("1", "l", 2)) == canonical


def test_every_single_character_typo_in_a_tracking_id_is_caught():
    rng = random.Random(20240501)
    for _ in range(5):
        canonical = "HEK-" + "-".join(
            "".join(rng.choice(ALPHABET) for _ in range(4)) for _ in range(4)
        )
        canonical += "-" + check_character(canonical[4:].replace("-", ""))
        assert parse_identifier(canonical) == canonical
        typos = list(_substitutions(canonical))
        assert len(typos) == 17 * 31
        for typo in typos:
            with pytest.raises(InvalidIdentifier):
                parse_identifier(typo)


def test_every_swap_of_neighbouring_characters_is_caught():
    body = new_tracking_id()[4:].replace("-", "")
    for position in range(len(body) - 1):
        swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
        if swapped != body:
            with pytest.raises(InvalidIdentifier):
                parse_identifier(swapped)


@given(
    data=st.binary(min_size=10, max_size=10),
    position=st.integers(0, 16),
    replacement=st.sampled_from(ALPHABET),
)
def test_any_single_substitution_breaks_the_check(data, position, replacement):
    body = with_check_character(data)
    typo = body[:position] + replacement + body[position + 1 :]
    if typo == body:
        assert parse_identifier(typo) == parse_identifier(body)
    else:
        with pytest.raises(InvalidIdentifier):
            parse_identifier(typo)


@given(data=st.binary(min_size=0, max_size=40).filter(lambda b: len(b) % 5 == 0))
def test_base32_round_trips(data):
    assert decode_base32(encode_base32(data)) == data


@given(data=st.binary(min_size=10, max_size=10))
def test_identifier_text_round_trips(data):
    body = with_check_character(data)
    parsed = parse_identifier(body.lower())
    assert parsed.replace("-", "")[3:] == body


def test_a_pseudonym_is_not_accepted_as_a_tracking_id():
    with pytest.raises(InvalidIdentifier):
        parse_identifier(new_pseudonym())


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "HEK",
        "HEK-000G-40R4-0M30-E209",
        "HEK-000G-40R4-0M30-E209-JJ",
        "HEK-000G-40R4-0M30-E209-U",
        "HEK-000G-40R4-0M30-E209-ä",
    ],
)
def test_wrong_length_or_foreign_characters_are_refused_in_german(typed):
    with pytest.raises(InvalidIdentifier) as raised:
        parse_identifier(typed)
    assert isinstance(raised.value, DomainError)
    assert "Tracking-ID" in raised.value.message
    assert "Bitte prüfen Sie jede Stelle" in raised.value.message
    if typed:
        assert typed not in str(raised.value)
