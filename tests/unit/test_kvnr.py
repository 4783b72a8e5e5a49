import random

import pytest

from core.errors import InvalidKvnr
from core.kvnr import check_digit, is_valid_kvnr, make_kvnr, normalize_kvnr, random_kvnr

VALID = ["A123456780", "B100000005", "T555555556", "Y400000007"]


@pytest.mark.parametrize("kvnr", VALID)
def test_valid_kvnr_is_accepted(kvnr):
    assert normalize_kvnr(kvnr) == kvnr


def test_known_answer_for_the_published_example():
    # A=01, weights 1-2-1-2...: 0+2+1+4+3+8+5+3+7+7 = 40 -> check digit 0
    assert check_digit("A12345678") == 0


def test_lowercase_and_spaces_are_normalised():
    assert normalize_kvnr(" a 123 456 780 ") == "A123456780"


@pytest.mark.parametrize("kvnr", VALID + [random_kvnr(random.Random(seed)) for seed in range(20)])
def test_every_single_digit_change_is_refused(kvnr):
    for position in range(1, 10):
        for digit in "0123456789":
            if digit == kvnr[position]:
                continue
            changed = kvnr[:position] + digit + kvnr[position + 1 :]
            with pytest.raises(InvalidKvnr, match="Prüfziffer"):
                normalize_kvnr(changed)


@pytest.mark.parametrize(
    "text", ["123456789A", "AB12345678", "A12345678", "A1234567890", "Ä123456780", "A12345678X"]
)
def test_wrong_shape_gets_a_german_message(text):
    with pytest.raises(InvalidKvnr, match="Großbuchstaben und neun Ziffern"):
        normalize_kvnr(text)


def test_empty_input_asks_for_a_number():
    with pytest.raises(InvalidKvnr, match="Bitte geben Sie"):
        normalize_kvnr("   ")


def test_generated_numbers_are_valid():
    assert all(is_valid_kvnr(random_kvnr()) for _ in range(500))
    assert make_kvnr("Z99999999")[-1] == str(check_digit("Z99999999"))
