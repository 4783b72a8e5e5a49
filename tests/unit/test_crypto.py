"""core.crypto: what a member, an operator or an attacker with the database would notice."""

import base64
import json
import random
import traceback
import unicodedata

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from core.crypto import (
    DecryptionFailed,
    Envelope,
    InvalidKeyText,
    InvalidSecurityKeyFormat,
    Kek,
    Keyring,
    MemberKeyPair,
    SealContext,
    SecurityKey,
    UnknownKey,
    derive_member_keypair,
    format_security_key,
    generate_kek,
    generate_signing_key,
    kek_from_text,
    kek_to_text,
    new_security_key,
    open_blob,
    open_sealed,
    parse_security_key,
    rewrap,
    seal_blob,
    seal_for_member,
    seal_many_for_member,
    security_key_qr_png,
    security_key_qr_svg,
    sign_bytes,
    sign_payload,
    signing_key_from_text,
    signing_key_to_text,
    unwrap_private_key,
    verify_bytes,
    verify_payload,
    wrap_private_key,
)
from core.errors import DomainError
from core.identifiers import ALPHABET, encode_base32

ROW = b"document:42:member:7"
CONTEXT = SealContext(pseudonym="PSN-7KQ2-M9XD-4TPW-R3V8-C", record_id="record-1", format_version=1)
LOW_COST = {"memory_cost": 8, "iterations": 1, "lanes": 1}  # tests only; defaults are 64 MiB

# RFC 8032, section 7.1, test 1: a published Ed25519 key pair.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def _flipped(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def _secret_forms(secret: bytes) -> list[str]:
    """The ways a key might be spelled in a log line: hex, base64, base32, repr."""
    forms = [
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode().rstrip("="),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        repr(secret),
    ]
    if len(secret) * 8 % 5 == 0:
        forms.append(encode_base32(secret))
    return [form[:16] for form in forms]  # a leaked prefix is a leak too


def _assert_hides(text: str, secret: bytes) -> None:
    for form in _secret_forms(secret):
        assert form not in text


def _small_envelope() -> tuple[Envelope, Keyring]:
    kek = generate_kek("kek-1")
    return seal_blob(plaintext=b"Arztbrief 2024-05", kek=kek, associated_data=ROW), Keyring(
        current=kek
    )


# --- envelope encryption --------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 4096, 1 << 20])
def test_blob_round_trips(size):
    kek = generate_kek("kek-1")
    plaintext = random.Random(size).randbytes(size)
    envelope = seal_blob(plaintext=plaintext, kek=kek, associated_data=ROW)
    assert envelope.kek_id == "kek-1"
    assert len(envelope.nonce) == 12
    assert (
        open_blob(envelope=envelope, keyring=Keyring(current=kek), associated_data=ROW) == plaintext
    )


def test_blob_copied_to_another_row_fails_to_decrypt():
    envelope, keyring = _small_envelope()
    for other_row in (b"document:43:member:7", b"document:42:member:8", b"", ROW + b"\x00"):
        with pytest.raises(DecryptionFailed):
            open_blob(envelope=envelope, keyring=keyring, associated_data=other_row)


@pytest.mark.parametrize("part", ["ciphertext", "wrapped_key", "nonce"])
def test_every_flipped_bit_of_an_envelope_is_detected(part):
    envelope, keyring = _small_envelope()
    original = getattr(envelope, part)
    for bit in range(len(original) * 8):
        tampered = Envelope(**{**envelope.__dict__, part: _flipped(original, bit)})
        with pytest.raises(DecryptionFailed):
            open_blob(envelope=tampered, keyring=keyring, associated_data=ROW)


def test_truncated_or_extended_envelope_parts_are_detected():
    envelope, keyring = _small_envelope()
    for part in ("ciphertext", "wrapped_key", "nonce"):
        value = getattr(envelope, part)
        for changed in (value[:-1], value + b"\x00", b""):
            tampered = Envelope(**{**envelope.__dict__, part: changed})
            with pytest.raises(DecryptionFailed):
                open_blob(envelope=tampered, keyring=keyring, associated_data=ROW)


def test_envelope_of_an_unknown_kek_raises_unknown_key():
    envelope, _ = _small_envelope()
    with pytest.raises(UnknownKey):
        open_blob(
            envelope=envelope, keyring=Keyring(current=generate_kek("kek-2")), associated_data=ROW
        )


def test_a_different_kek_under_the_same_id_cannot_open():
    envelope, _ = _small_envelope()
    with pytest.raises(DecryptionFailed):
        open_blob(
            envelope=envelope, keyring=Keyring(current=generate_kek("kek-1")), associated_data=ROW
        )


def test_no_nonce_or_data_key_repeats_over_100000_encryptions():
    kek = generate_kek("kek-1")
    nonces, wrapped_keys = set(), set()
    for _ in range(100_000):
        envelope = seal_blob(plaintext=b"x", kek=kek, associated_data=ROW)
        nonces.add(envelope.nonce)
        wrapped_keys.add(envelope.wrapped_key)
    assert len(nonces) == 100_000
    # AES-KW is deterministic under one KEK: distinct wrapped keys mean distinct data keys.
    assert len(wrapped_keys) == 100_000


def test_rewrap_keeps_the_blob_readable_without_the_old_kek():
    old, new = generate_kek("kek-2024"), generate_kek("kek-2025")
    envelope = seal_blob(plaintext=b"Befund", kek=old, associated_data=ROW)
    rewrapped = rewrap(envelope=envelope, keyring=Keyring(current=new, older=(old,)), new_kek=new)
    assert rewrapped.kek_id == "kek-2025"
    assert rewrapped.ciphertext == envelope.ciphertext
    assert rewrapped.nonce == envelope.nonce
    assert rewrapped.wrapped_key != envelope.wrapped_key
    assert (
        open_blob(envelope=rewrapped, keyring=Keyring(current=new), associated_data=ROW)
        == b"Befund"
    )
    with pytest.raises(UnknownKey):
        open_blob(envelope=envelope, keyring=Keyring(current=new), associated_data=ROW)


def test_rewrap_without_the_old_kek_raises_unknown_key():
    envelope, _ = _small_envelope()
    new = generate_kek("kek-2")
    with pytest.raises(UnknownKey):
        rewrap(envelope=envelope, keyring=Keyring(current=new), new_kek=new)


def test_keyring_refuses_two_keks_with_one_id():
    with pytest.raises(ValueError):
        Keyring(current=generate_kek("a"), older=(generate_kek("a"),))


def test_kek_text_known_answer():
    kek = Kek(kek_id="kek-2025", key=bytes(range(32)))
    text = "kek-2025:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    assert kek_to_text(kek) == text
    assert kek_from_text(text) == kek


@given(
    kek_id=st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    key=st.binary(min_size=32, max_size=32),
)
def test_kek_text_round_trips(kek_id, key):
    kek = Kek(kek_id=kek_id, key=key)
    assert kek_from_text(kek_to_text(kek)) == kek


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-colon",
        ":AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "kek 1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "kek-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg",  # 31 bytes
        "kek-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",  # padding
        "kek-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",  # non-canonical last symbol
        "kek-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+h8",  # standard, not url-safe
    ],
)
def test_malformed_kek_text_is_refused_without_echoing_it(text):
    with pytest.raises(InvalidKeyText) as raised:
        kek_from_text(text)
    key_part = text.partition(":")[2]
    assert not key_part or key_part[:16] not in str(raised.value)
    assert "Schlüssel" in raised.value.message


# --- sealed boxes ---------------------------------------------------------------------


@given(plaintext=st.binary(max_size=2048))
@settings(max_examples=30, deadline=None)
def test_sealed_box_round_trips(plaintext):
    member = MemberKeyPair.generate()
    sealed = seal_for_member(
        plaintext=plaintext, recipient_public_key=member.public_bytes, context=CONTEXT
    )
    assert open_sealed(sealed=sealed, private_key=member, context=CONTEXT) == plaintext
    assert (
        open_sealed(sealed=sealed, private_key=member.private_bytes, context=CONTEXT) == plaintext
    )


def test_sealing_party_cannot_open_what_it_sealed():
    member, sender = MemberKeyPair.generate(), MemberKeyPair.generate()
    sealed = seal_for_member(
        plaintext=b"Laborwerte", recipient_public_key=member.public_bytes, context=CONTEXT
    )
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed=sealed, private_key=sender, context=CONTEXT)


@pytest.mark.parametrize(
    "other",
    [
        SealContext(pseudonym="PSN-0000-0000-0000-0000-0", record_id="record-1", format_version=1),
        SealContext(pseudonym=CONTEXT.pseudonym, record_id="record-2", format_version=1),
        SealContext(pseudonym=CONTEXT.pseudonym, record_id="record-1", format_version=2),
    ],
)
def test_sealed_box_moved_to_another_context_fails(other):
    member = MemberKeyPair.generate()
    sealed = seal_for_member(
        plaintext=b"Impfpass", recipient_public_key=member.public_bytes, context=CONTEXT
    )
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed=sealed, private_key=member, context=other)


def test_context_fields_cannot_be_shifted_into_each_other():
    assert (
        SealContext(pseudonym="ab", record_id="c", format_version=1).info()
        != SealContext(pseudonym="a", record_id="bc", format_version=1).info()
    )


def test_every_flipped_bit_of_a_sealed_box_is_detected():
    member = MemberKeyPair.generate()
    sealed = seal_for_member(
        plaintext=b"Rezept", recipient_public_key=member.public_bytes, context=CONTEXT
    )
    for bit in range(len(sealed) * 8):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed=_flipped(sealed, bit), private_key=member, context=CONTEXT)
    for cut in (b"", sealed[:1], sealed[:33], sealed[:-1]):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed=cut, private_key=member, context=CONTEXT)


def test_sealing_to_a_malformed_public_key_is_refused():
    with pytest.raises(InvalidKeyText):
        seal_for_member(plaintext=b"x", recipient_public_key=b"\x01" * 31, context=CONTEXT)


def test_a_batch_of_sealed_boxes_opens_box_by_box_each_under_its_own_context_only():
    member = MemberKeyPair.generate()
    contexts = [
        SealContext(pseudonym=CONTEXT.pseudonym, record_id=f"entry/{n}", format_version=1)
        for n in range(3)
    ]
    plaintexts = [b"Arztbesuch", b"Arztbesuch", b"Zahnarzt"]

    sealed = seal_many_for_member(
        items=list(zip(plaintexts, contexts, strict=True)),
        recipient_public_key=member.public_bytes,
    )

    assert len(set(sealed)) == 3  # equal plaintexts, still independent boxes
    for box, plaintext, context in zip(sealed, plaintexts, contexts, strict=True):
        assert open_sealed(sealed=box, private_key=member, context=context) == plaintext
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed=sealed[0], private_key=member, context=contexts[1])
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed=sealed[0], private_key=MemberKeyPair.generate(), context=contexts[0])
    with pytest.raises(InvalidKeyText):
        seal_many_for_member(items=[(b"x", CONTEXT)], recipient_public_key=b"\x01" * 31)


# --- security key ---------------------------------------------------------------------


def test_security_key_known_answer():
    key = SecurityKey(bytes(range(20)))
    assert format_security_key(key) == "000G-40R4-0M30-E209-185G-R38E-1W81-24GK-C"
    assert parse_security_key("000G-40R4-0M30-E209-185G-R38E-1W81-24GK-C") == key


def test_security_key_has_160_random_bits():
    keys = {format_security_key(new_security_key()) for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(text.replace("-", "")) == 33 for text in keys)


def test_security_key_typing_is_forgiving_about_case_spaces_dashes_and_look_alikes():
    key = SecurityKey(bytes(range(20)))
    for typed in (
        "000g40r40m30e209185gr38e1w8124gkc",
        " 000G 40R4 0M30 E209 185G R38E 1W81 24GK C ",
        "OOOG-40R4-OM30-E2O9-I85G-R38E-lW8I-24GK-C",
    ):
        assert parse_security_key(typed) == key


def test_every_single_character_typo_in_a_security_key_is_caught_before_decryption():
    for _ in range(3):
        text = format_security_key(new_security_key())
        positions = [i for i, char in enumerate(text) if char != "-"]
        assert len(positions) == 33
        for position in positions:
            for replacement in ALPHABET:
                if replacement == text[position]:
                    continue
                with pytest.raises(InvalidSecurityKeyFormat):
                    parse_security_key(text[:position] + replacement + text[position + 1 :])


@given(
    secret=st.binary(min_size=20, max_size=20),
    position=st.integers(0, 32),
    replacement=st.sampled_from(ALPHABET),
)
def test_any_single_substitution_of_a_security_key_is_caught(secret, position, replacement):
    body = format_security_key(SecurityKey(secret)).replace("-", "")
    typo = body[:position] + replacement + body[position + 1 :]
    if typo == body:
        assert parse_security_key(typo) == SecurityKey(secret)
    else:
        with pytest.raises(InvalidSecurityKeyFormat):
            parse_security_key(typo)


@given(secret=st.binary(min_size=20, max_size=20))
def test_security_key_text_round_trips(secret):
    key = SecurityKey(secret)
    assert parse_security_key(format_security_key(key).lower()) == key


@pytest.mark.parametrize(
    "typed", ["", "000G-40R4", "000G-40R4-0M30-E209-185G-R38E-1W81-24GK-CC", "U" * 33]
)
def test_wrong_length_or_characters_in_a_security_key_are_refused_in_german(typed):
    with pytest.raises(InvalidSecurityKeyFormat) as raised:
        parse_security_key(typed)
    assert isinstance(raised.value, DomainError)
    assert raised.value.message == (
        "Der Sicherheitsschlüssel ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle."
    )


def test_security_key_qr_code_carries_the_key_text():
    key = new_security_key()
    svg = security_key_qr_svg(key)
    assert svg.startswith("<svg")
    assert svg == segno.make(format_security_key(key), error="m").svg_inline(scale=6, border=4)
    assert security_key_qr_png(key).startswith(b"\x89PNG\r\n\x1a\n")
    _assert_hides(svg, key._secret)


def test_same_security_key_derives_the_same_keypair():
    key = new_security_key()
    again = parse_security_key(format_security_key(key))
    assert derive_member_keypair(key).public_bytes == derive_member_keypair(again).public_bytes
    assert derive_member_keypair(key).private_bytes == derive_member_keypair(again).private_bytes


def test_different_security_keys_derive_different_keypairs():
    publics = {derive_member_keypair(new_security_key()).public_bytes for _ in range(100)}
    assert len(publics) == 100


def test_keypair_derivation_known_answer():
    keypair = derive_member_keypair(SecurityKey(bytes(range(20))))
    assert len(keypair.public_bytes) == 32
    assert keypair.public_bytes.hex() == (
        # cross-checked with hashlib HKDF and a pure-Python RFC 7748 ladder
        "48a2c03faba79ab0c51480dfed97da17d04215dd69a7254fea38d277461a914a"
    )


def test_member_can_open_a_box_with_the_key_from_the_paper():
    key = new_security_key()
    sealed = seal_for_member(
        plaintext=b"Arztbrief",
        recipient_public_key=derive_member_keypair(key).public_bytes,
        context=CONTEXT,
    )
    typed_back = parse_security_key(format_security_key(key).lower())
    assert (
        open_sealed(sealed=sealed, private_key=derive_member_keypair(typed_back), context=CONTEXT)
        == b"Arztbrief"
    )


# --- password-wrapped private key -----------------------------------------------------


def test_password_wrapped_key_round_trips():
    keypair = MemberKeyPair.generate()
    wrapped = wrap_private_key(keypair=keypair, password="Korrekt Pferd Batterie", **LOW_COST)
    assert (
        unwrap_private_key(wrapped=wrapped, password="Korrekt Pferd Batterie").private_bytes
        == keypair.private_bytes
    )


def test_wrong_password_fails_to_unwrap():
    wrapped = wrap_private_key(keypair=MemberKeyPair.generate(), password="richtig", **LOW_COST)
    for wrong in ("falsch", "Richtig", "richtig ", ""):
        with pytest.raises(DecryptionFailed):
            unwrap_private_key(wrapped=wrapped, password=wrong)


def test_same_password_in_either_unicode_form_unwraps():
    composed = unicodedata.normalize("NFC", "Müller-Lüdenscheidt")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    keypair = MemberKeyPair.generate()
    wrapped = wrap_private_key(keypair=keypair, password=composed, **LOW_COST)
    assert (
        unwrap_private_key(wrapped=wrapped, password=decomposed).public_bytes
        == keypair.public_bytes
    )


def test_every_changed_byte_of_a_wrapped_key_is_detected():
    wrapped = wrap_private_key(keypair=MemberKeyPair.generate(), password="pw", **LOW_COST)
    for position in range(len(wrapped)):
        with pytest.raises(DecryptionFailed):
            unwrap_private_key(wrapped=_flipped(wrapped, position * 8), password="pw")
    for cut in (b"", wrapped[:-1], wrapped + b"\x00"):
        with pytest.raises(DecryptionFailed):
            unwrap_private_key(wrapped=cut, password="pw")


def test_two_wraps_of_one_key_share_no_salt_or_nonce():
    keypair = MemberKeyPair.generate()
    first = wrap_private_key(keypair=keypair, password="pw", **LOW_COST)
    second = wrap_private_key(keypair=keypair, password="pw", **LOW_COST)
    assert first[13:29] != second[13:29]  # salt
    assert first[29:41] != second[29:41]  # nonce


def test_default_argon2_cost_is_64_mib_and_3_iterations():
    wrapped = wrap_private_key(keypair=MemberKeyPair.generate(), password="pw")
    assert wrapped[0] == 1
    assert int.from_bytes(wrapped[1:5], "big") == 64 * 1024
    assert int.from_bytes(wrapped[5:9], "big") == 3


# --- signatures -----------------------------------------------------------------------

FIELDS = {"kvnr": "A123456780", "valid_until": "2025-06-14", "card": 4}


def test_signed_payload_round_trips_and_fits_a_qr_code():
    key = generate_signing_key("sig-2025")
    payload = sign_payload(fields=FIELDS, signing_key=key)
    assert payload.isascii() and len(payload) < 250
    assert segno.make(payload, error="m").version <= 10
    verification = verify_payload(payload=payload, public_keys={"sig-2025": key.public_bytes})
    assert verification.status == "valid"
    assert verification.key_id == "sig-2025"
    assert verification.fields == FIELDS


def test_payload_body_is_canonical_json():
    key = generate_signing_key("sig")
    first = sign_payload(fields=FIELDS, signing_key=key)
    second = sign_payload(fields=dict(reversed(FIELDS.items())), signing_key=key)
    body = first.split(".")[1]
    assert body == second.split(".")[1]
    decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert decoded == b'{"card":4,"kvnr":"A123456780","valid_until":"2025-06-14"}'


def test_every_flipped_bit_of_a_payload_signature_is_detected():
    key = generate_signing_key("sig")
    payload = sign_payload(fields=FIELDS, signing_key=key)
    head, _, signature_text = payload.rpartition(".")
    signature = base64.urlsafe_b64decode(signature_text + "==")
    for bit in range(len(signature) * 8):
        forged = (
            head + "." + base64.urlsafe_b64encode(_flipped(signature, bit)).decode().rstrip("=")
        )
        assert (
            verify_payload(payload=forged, public_keys={"sig": key.public_bytes}).status
            == "invalid"
        )


def test_changed_fields_invalidate_the_payload():
    key = generate_signing_key("sig")
    key_id, _, signature = sign_payload(fields=FIELDS, signing_key=key).split(".")
    forged_body = (
        base64.urlsafe_b64encode(json.dumps({**FIELDS, "card": 1}).encode()).decode().rstrip("=")
    )
    verification = verify_payload(
        payload=f"{key_id}.{forged_body}.{signature}", public_keys={"sig": key.public_bytes}
    )
    assert verification.status == "invalid"
    assert verification.fields is None


def test_payload_from_an_unknown_key_is_reported_as_such():
    payload = sign_payload(fields=FIELDS, signing_key=generate_signing_key("old"))
    verification = verify_payload(
        payload=payload, public_keys={"new": generate_signing_key("new").public_bytes}
    )
    assert verification.status == "unknown_key"
    assert verification.fields is None


def test_payload_relabelled_with_another_known_key_id_is_invalid():
    signer, other = generate_signing_key("a"), generate_signing_key("b")
    _, body, signature = sign_payload(fields=FIELDS, signing_key=signer).split(".")
    keys = {"a": signer.public_bytes, "b": other.public_bytes}
    assert verify_payload(payload=f"b.{body}.{signature}", public_keys=keys).status == "invalid"


@given(
    payload=st.text(max_size=200)
    | st.from_regex(r"[a-z]{1,3}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_=-]{0,90}")
)
def test_malformed_payload_is_invalid_never_an_exception(payload):
    key = generate_signing_key("abc")
    verification = verify_payload(payload=payload, public_keys={"abc": key.public_bytes})
    assert verification.status in {"invalid", "unknown_key"}
    assert verification.fields is None


def test_non_text_or_non_int_fields_are_refused_when_signing():
    key = generate_signing_key("sig")
    for bad in ({"ok": True}, {"ok": 1.5}, {"ok": None}, {1: "x"}):
        with pytest.raises(ValueError):
            sign_payload(fields=bad, signing_key=key)


def test_signing_key_text_known_answer_from_rfc_8032():
    text = "sig-2025:" + base64.urlsafe_b64encode(RFC8032_SECRET).decode().rstrip("=")
    key = signing_key_from_text(text)
    assert key.key_id == "sig-2025"
    assert key.public_bytes == RFC8032_PUBLIC
    assert signing_key_to_text(key) == text


def test_detached_signature_round_trips_and_catches_every_flipped_bit():
    key = generate_signing_key("sig")
    body = b"%PDF-1.7 Mitgliedsbescheinigung"
    signature = sign_bytes(data=body, signing_key=key)
    assert len(signature) == 64
    assert verify_bytes(data=body, signature=signature, public_key=key.public_bytes)
    assert not verify_bytes(data=body + b" ", signature=signature, public_key=key.public_bytes)
    assert not verify_bytes(
        data=body, signature=signature, public_key=generate_signing_key("x").public_bytes
    )
    assert not verify_bytes(data=body, signature=signature[:-1], public_key=key.public_bytes)
    for bit in range(512):
        assert not verify_bytes(
            data=body, signature=_flipped(signature, bit), public_key=key.public_bytes
        )


def test_detached_signature_cannot_pass_as_a_payload_signature():
    key = generate_signing_key("sig")
    _, body, _ = sign_payload(fields=FIELDS, signing_key=key).split(".")
    detached = sign_bytes(data=f"sig.{body}".encode(), signing_key=key)
    forged = f"sig.{body}." + base64.urlsafe_b64encode(detached).decode().rstrip("=")
    assert verify_payload(payload=forged, public_keys={"sig": key.public_bytes}).status == "invalid"


# --- keys stay out of repr(), str() and tracebacks ------------------------------------


def test_repr_of_key_holding_objects_never_shows_key_material():
    kek = generate_kek("kek-1")
    member = MemberKeyPair.generate()
    security_key = new_security_key()
    signing_key = generate_signing_key("sig-1")
    cases = [
        (kek, kek.key),
        (Keyring(current=kek), kek.key),
        (member, member.private_bytes),
        (security_key, security_key._secret),
        (derive_member_keypair(security_key), derive_member_keypair(security_key).private_bytes),
        (signing_key, signing_key._private.private_bytes_raw()),
    ]
    for holder, secret in cases:
        _assert_hides(repr(holder), secret)
        _assert_hides(str(holder), secret)
        _assert_hides(f"{holder!r} {[holder]} {holder}", secret)
    assert "kek-1" in repr(kek) and "sig-1" in repr(signing_key)
    assert format_security_key(security_key).replace("-", "")[:16] not in repr(security_key)


def _raised(call) -> BaseException:
    with pytest.raises(Exception) as raised:
        call()
    return raised.value


def test_errors_never_carry_key_material():
    kek = generate_kek("kek-1")
    envelope = seal_blob(plaintext=b"x", kek=kek, associated_data=ROW)
    security_key = new_security_key()
    security_text = format_security_key(security_key)
    typo = ("1" if security_text[0] != "1" else "2") + security_text[1:]
    member = MemberKeyPair.generate()
    cases = [
        (
            lambda: open_blob(
                envelope=envelope, keyring=Keyring(current=kek), associated_data=b"other"
            ),
            kek.key,
        ),
        (lambda: kek_from_text(kek_to_text(kek)[:-2]), kek.key),
        (lambda: parse_security_key(typo), security_key._secret),
        (
            lambda: unwrap_private_key(
                wrapped=wrap_private_key(keypair=member, password="geheim", **LOW_COST),
                password="x",
            ),
            member.private_bytes,
        ),
    ]
    for call, secret in cases:
        error = _raised(call)
        assert isinstance(error, DomainError)
        rendered = "".join(traceback.format_exception(error))
        _assert_hides(str(error), secret)
        _assert_hides(rendered, secret)
        assert typo.replace("-", "")[:16] not in rendered
        assert "geheim" not in rendered
