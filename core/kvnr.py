"""Krankenversichertennummer (KVNR): the unchangeable 10-character part.

Shape: one capital letter A-Z and nine digits, the last a check digit. The check digit
follows the published algorithm of the GKV-Spitzenverband: the letter becomes its
two-digit position in the alphabet (A=01 ... Z=26), followed by the first eight digits;
these ten digits are weighted alternately 1, 2, 1, 2, ...; the digit sums of the products
are added up and the sum modulo 10 is the check digit.
"""

import random
import re
import secrets

from core.errors import InvalidKvnr

_SHAPE = re.compile(r"[A-Z][0-9]{9}")


def check_digit(body: str) -> int:
    """Check digit for a letter and eight digits, e.g. 'A12345678'."""
    digits = f"{ord(body[0]) - ord('A') + 1:02d}" + body[1:]
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (1 if position % 2 == 0 else 2)
        total += product // 10 + product % 10
    return total % 10


def normalize_kvnr(text: str) -> str:
    """Return the KVNR in canonical form or raise InvalidKvnr with a German reason."""
    candidate = re.sub(r"\s+", "", text or "").upper()
    if not candidate:
        raise InvalidKvnr("Bitte geben Sie eine Versichertennummer ein.")
    if not _SHAPE.fullmatch(candidate):
        raise InvalidKvnr(
            "Die Versichertennummer besteht aus einem Großbuchstaben und neun Ziffern "
            "(zum Beispiel A123456780)."
        )
    if check_digit(candidate[:9]) != int(candidate[9]):
        raise InvalidKvnr(
            "Die Prüfziffer der Versichertennummer stimmt nicht. Bitte prüfen Sie die Eingabe."
        )
    return candidate


def is_valid_kvnr(text: str) -> bool:
    try:
        normalize_kvnr(text)
    except InvalidKvnr:
        return False
    return True


def make_kvnr(body: str) -> str:
    """Complete a letter and eight digits with their check digit."""
    return body + str(check_digit(body))


def random_kvnr(rng: "random.Random | None" = None) -> str:
    """A random valid KVNR (synthetic data only)."""
    rng = rng or secrets.SystemRandom()
    letter = chr(ord("A") + rng.randrange(26))
    return make_kvnr(letter + f"{rng.randrange(10**8):08d}")
