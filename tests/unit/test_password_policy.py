import pytest

from core.auth import check_password_policy, hash_password
from core.errors import WeakPassword


@pytest.mark.parametrize(
    "password", ["a" * 10, "abcdefghij", "ganz einfach lang", "x" * 64, "äöüßäöüßäö"]
)
def test_passwords_of_10_to_64_characters_without_composition_rules_are_accepted(password):
    check_password_policy(password)


def test_nine_characters_are_refused():
    with pytest.raises(WeakPassword, match="mindestens 10 Zeichen"):
        check_password_policy("a" * 9)


def test_sixty_five_characters_are_refused():
    with pytest.raises(WeakPassword, match="höchstens 64 Zeichen"):
        check_password_policy("a" * 65)


def test_over_72_bytes_is_refused_with_a_clear_message_not_silently_truncated():
    password = "ä" * 40  # 40 characters, 80 bytes in UTF-8
    with pytest.raises(WeakPassword, match="72 Bytes"):
        check_password_policy(password)
    with pytest.raises(WeakPassword):
        hash_password(password, rounds=4)
