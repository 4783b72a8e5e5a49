"""Opaque identifiers people read out on the phone, and the check character they share.

Alphabet: Crockford base32 (0-9 and A-Z without I, L, O, U). Input is forgiving: case,
spaces and dashes are ignored, and O is read as 0, I and L as 1, so those look-alikes can
never be a typo.

Check character: one extra base32 symbol c chosen so that sum(alpha**k * v_k) = 0 in the
field GF(32) (modulus x^5 + x^2 + 1, alpha = x), where v_k is the value of the symbol k
places from the right and the check character sits at k = 0. A single substitution adds
alpha**k * e with e != 0 and a field has no zero divisors, so every single-character
substitution is detected; swapping two neighbours adds alpha**k * (1 - alpha) * (a - b),
which is non-zero too, so every adjacent transposition is detected as well. Unlike
Crockford's mod-37 check, the check symbol stays inside the 32-symbol alphabet (no
'*', '~', '$', '=' to type on a phone).
"""

import re
import secrets

from core.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_]+")
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, a primitive polynomial: alpha = x has order 31

TRACKING_ID_PREFIX = "HEK"
PSEUDONYM_PREFIX = "PSN"
IDENTIFIER_BITS = 80  # 16 symbols; collisions need ~2**40 identifiers
_IDENTIFIER_SYMBOLS = IDENTIFIER_BITS // 5
_LABELS = {TRACKING_ID_PREFIX: "Die Tracking-ID", PSEUDONYM_PREFIX: "Das Pseudonym"}


class InvalidIdentifier(DomainError):
    default_message = "Die Kennung ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle."


class MalformedCheckedCode(ValueError):
    """Internal: a checked code has the wrong length, a foreign character or a wrong check.

    Never carries the input: callers turn it into their own German domain error.
    """


def _gf32_times_alpha(value: int) -> int:
    value <<= 1
    return value ^ _GF32_MODULUS if value & 0b100000 else value


def check_character(symbols: str) -> str:
    """The check character for canonical base32 symbols (see the module docstring)."""
    syndrome = 0
    for symbol in symbols:  # Horner's rule: the last data symbol gets weight alpha**1
        syndrome = _gf32_times_alpha(syndrome ^ _VALUE[symbol])
    return ALPHABET[syndrome]


def encode_base32(data: bytes) -> str:
    """Big-endian Crockford base32 of data whose bit length is a multiple of 5."""
    bits = len(data) * 8
    if bits % 5:
        raise ValueError("bit length must be a multiple of 5")
    number = int.from_bytes(data, "big")
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(bits - 5, -5, -5))


def decode_base32(symbols: str) -> bytes:
    """Inverse of encode_base32 for canonical symbols."""
    number = 0
    for symbol in symbols:
        number = (number << 5) | _VALUE[symbol]
    return number.to_bytes(len(symbols) * 5 // 8, "big")


def normalise(text: str) -> str:
    """Upper-case, drop spaces/dashes/underscores, read O as 0 and I, L as 1."""
    return _SEPARATORS.sub("", text or "").upper().translate(_LOOK_ALIKES)


def with_check_character(data: bytes) -> str:
    """Base32 symbols of data followed by their check character, ungrouped."""
    symbols = encode_base32(data)
    return symbols + check_character(symbols)


def decode_checked(normalised: str, *, data_symbols: int) -> bytes:
    """Data bytes of normalised symbols plus check character, or MalformedCheckedCode."""
    if len(normalised) != data_symbols + 1 or any(s not in _VALUE for s in normalised):
        raise MalformedCheckedCode
    if check_character(normalised[:-1]) != normalised[-1]:
        raise MalformedCheckedCode
    return decode_base32(normalised[:-1])


def group(symbols: str, *, size: int = 4) -> str:
    """Dash-separated groups of `size` symbols; the remainder forms the last group."""
    return "-".join(symbols[i : i + size] for i in range(0, len(symbols), size))


def _new_identifier(prefix: str) -> str:
    body = with_check_character(secrets.token_bytes(IDENTIFIER_BITS // 8))
    return f"{prefix}-{group(body)}"


def new_tracking_id() -> str:
    """A fresh tracking ID, e.g. 'HEK-7KQ2-M9XD-4TPW-R3V8-C' (80 random bits)."""
    return _new_identifier(TRACKING_ID_PREFIX)


def new_pseudonym() -> str:
    """A fresh member pseudonym, e.g. 'PSN-7KQ2-M9XD-4TPW-R3V8-C' (80 random bits)."""
    return _new_identifier(PSEUDONYM_PREFIX)


def parse_identifier(text: str, *, prefix: str = TRACKING_ID_PREFIX) -> str:
    """Canonical form of a typed identifier; the prefix may be left out.

    Raises InvalidIdentifier (German message) on a typo, wrong length or foreign prefix.
    """
    label = _LABELS.get(prefix, "Die Kennung")
    error = InvalidIdentifier(
        f"{label} ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle."
    )
    candidate = normalise(text)
    if len(candidate) == len(prefix) + _IDENTIFIER_SYMBOLS + 1:
        if not candidate.startswith(prefix):
            raise error
        candidate = candidate[len(prefix) :]
    try:
        decode_checked(candidate, data_symbols=_IDENTIFIER_SYMBOLS)
    except MalformedCheckedCode:
        raise error from None
    return f"{prefix}-{group(candidate)}"
