"""The browser bundle (web/dist/health_crypto.js) and core.crypto speak the same bytes.

Each test runs the BUILT bundle under Node.js (web/test/interop.mjs): what the server seals,
the member's browser opens, and the other way round; a box moved to another record opens on
neither side; the security key, the key pair and the device-password wrap agree; the bundle's
HPKE reproduces the RFC 9180 vectors for our suite.
"""

import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.crypto import (
    DecryptionFailed,
    InvalidKeyText,
    InvalidSecurityKeyFormat,
    MemberKeyPair,
    SealContext,
    SecurityKey,
    derive_member_keypair,
    format_security_key,
    new_security_key,
    open_sealed,
    parse_security_key,
    seal_for_member,
    unwrap_private_key,
    wrap_private_key,
)
from tests.browser_bundle import call_bundle, run_bundle

VECTORS = Path(__file__).parents[1] / "data" / "hpke_vectors_x25519_sha256_aes256gcm.json"
CONTEXT = SealContext(pseudonym="PSN-7KQ2-M9XD-4TPW-R3V8-C", record_id="entry/17", format_version=1)
# Argon2id at its smallest sensible cost: the layout is under test here, not the cost.
SMALL_COST = {"memory_cost": 64, "iterations": 2, "lanes": 2}
WRONG_PASSWORD = "Das Passwort ist nicht richtig, oder die Daten sind beschädigt."


def as_js(context: SealContext) -> dict:
    return {
        "pseudonym": context.pseudonym,
        "recordId": context.record_id,
        "formatVersion": context.format_version,
    }


def refused_with(response: dict, error: Exception) -> bool:
    """The browser refused with the same error and the same German sentence as the server."""
    return response == {
        "ok": False,
        "error": {"name": type(error).__name__, "message": str(error)},
    }


@pytest.fixture(scope="module")
def member() -> MemberKeyPair:
    return derive_member_keypair(new_security_key())


# --- HPKE info and sealed boxes ------------------------------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        CONTEXT,
        SealContext(pseudonym="", record_id="", format_version=0),
        SealContext(pseudonym="PSN-Ä", record_id="document/Übersicht 😀", format_version=2**32 - 1),
    ],
    ids=["entry", "empty", "non-ascii"],
)
def test_info_is_byte_for_byte_the_servers(context):
    assert call_bundle("info", context=as_js(context))["info"] == context.info().hex()


@pytest.mark.parametrize("plaintext", [b"", b"Impfung: Tetanus", os.urandom(64 * 1024)])
def test_box_sealed_by_the_server_opens_in_the_browser(member, plaintext):
    sealed = seal_for_member(
        plaintext=plaintext, recipient_public_key=member.public_bytes, context=CONTEXT
    )
    opened = call_bundle(
        "openSealed",
        sealed=sealed.hex(),
        privateKey=member.private_bytes.hex(),
        context=as_js(CONTEXT),
    )
    assert opened == {"ok": True, "plaintext": plaintext.hex()}


@pytest.mark.parametrize("plaintext", [b"", b"Zahnarzt, 12.03.", os.urandom(64 * 1024)])
def test_box_sealed_in_the_browser_opens_on_the_server(member, plaintext):
    sealed = call_bundle(
        "sealForMember",
        plaintext=plaintext.hex(),
        publicKey=member.public_bytes.hex(),
        context=as_js(CONTEXT),
    )["sealed"]
    assert bytes.fromhex(sealed)[0] == 0x01  # the version byte, as the server writes it
    opened = open_sealed(sealed=bytes.fromhex(sealed), private_key=member, context=CONTEXT)
    assert opened == plaintext


MOVED = {
    "another row": SealContext(CONTEXT.pseudonym, "entry/18", CONTEXT.format_version),
    "another record": SealContext("PSN-0000-0000-0000-0000-0", CONTEXT.record_id, 1),
    "another format": SealContext(CONTEXT.pseudonym, CONTEXT.record_id, 2),
}


@pytest.mark.parametrize("moved_to", MOVED.values(), ids=MOVED.keys())
def test_box_moved_elsewhere_opens_on_neither_side(member, moved_to):
    from_server = seal_for_member(
        plaintext=b"Befund", recipient_public_key=member.public_bytes, context=CONTEXT
    )
    from_browser, opened_in_browser = run_bundle(
        {
            "op": "sealForMember",
            "plaintext": b"Befund".hex(),
            "publicKey": member.public_bytes.hex(),
            "context": as_js(CONTEXT),
        },
        {
            "op": "openSealed",
            "sealed": from_server.hex(),
            "privateKey": member.private_bytes.hex(),
            "context": as_js(moved_to),
        },
    )
    assert refused_with(opened_in_browser, DecryptionFailed())
    with pytest.raises(DecryptionFailed):
        open_sealed(
            sealed=bytes.fromhex(from_browser["sealed"]), private_key=member, context=moved_to
        )


def test_box_for_another_member_or_with_a_changed_byte_does_not_open_in_the_browser(member):
    sealed = seal_for_member(
        plaintext=b"Befund", recipient_public_key=member.public_bytes, context=CONTEXT
    )
    someone_else = derive_member_keypair(new_security_key())
    changed = bytearray(sealed)
    changed[-1] ^= 0x01
    other_version = b"\x02" + sealed[1:]
    attempts = [
        (sealed, someone_else.private_bytes),
        (bytes(changed), member.private_bytes),
        (other_version, member.private_bytes),
        (sealed[:40], member.private_bytes),
    ]
    responses = run_bundle(
        *(
            {
                "op": "openSealed",
                "sealed": box.hex(),
                "privateKey": key.hex(),
                "context": as_js(CONTEXT),
            }
            for box, key in attempts
        )
    )
    assert all(refused_with(response, DecryptionFailed()) for response in responses)


def test_malformed_public_key_is_refused_like_on_the_server():
    response = call_bundle(
        "sealForMember", plaintext="00", publicKey="00" * 31, context=as_js(CONTEXT)
    )
    assert refused_with(response, InvalidKeyText())


# --- Security key and member key pair -------------------------------------------------------


def test_same_security_key_gives_the_same_key_pair_on_both_sides():
    keys = [new_security_key() for _ in range(5)]
    typed = run_bundle(
        *({"op": "parseSecurityKey", "text": format_security_key(key)} for key in keys)
    )
    assert [SecurityKey(bytes.fromhex(r["securityKey"])) for r in typed] == keys
    pairs = run_bundle(
        *({"op": "deriveMemberKeyPair", "securityKey": r["securityKey"]} for r in typed)
    )
    for key, pair in zip(keys, pairs, strict=True):
        server = derive_member_keypair(key)
        assert pair == {
            "ok": True,
            "publicKey": server.public_bytes.hex(),
            "privateKey": server.private_bytes.hex(),
        }


def _typings(text: str) -> dict[str, str]:
    """Ways a member may type a correct key, and separators the two sides must agree on."""
    body = text.replace("-", "")
    look_alikes = body.replace("0", "O").replace("1", "l")
    typings = {
        "lower case": text.lower(),
        "spaces": text.replace("-", " "),
        "no separators": body,
        "look-alikes O, I, L": look_alikes.lower(),
        "dotless i and long s": text.replace("1", "ı").replace("S", "ſ"),
        "padded": f"  {text}\n",
    }
    # Every character Python's `\s` matches, and U+FEFF, which only JavaScript's `\s` matches.
    separators = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u202f\u3000"
    for separator in separators + "\ufeff":
        typings[f"U+{ord(separator):04X}"] = text.replace("-", separator)
    return typings


def test_typed_key_is_read_with_the_same_forgiveness_on_both_sides():
    key = new_security_key()
    typings = _typings(format_security_key(key))
    responses = run_bundle(
        *({"op": "parseSecurityKey", "text": typed} for typed in typings.values())
    )
    for (name, typed), response in zip(typings.items(), responses, strict=True):
        try:
            server = parse_security_key(typed)
        except InvalidSecurityKeyFormat as refused:
            assert refused_with(response, refused), name
        else:
            assert server == key, name
            assert SecurityKey(bytes.fromhex(response["securityKey"])) == key, name


def _typos(text: str) -> list[str]:
    """Every single substitution and every swap of neighbours, plus a key too short."""
    body = text.replace("-", "")
    typos = []
    for index, symbol in enumerate(body):
        substitute = "7" if symbol != "7" else "8"
        typos.append(body[:index] + substitute + body[index + 1 :])
    for index in range(len(body) - 1):
        if body[index] != body[index + 1]:
            typos.append(body[:index] + body[index + 1] + body[index] + body[index + 2 :])
    return [*typos, body[:-1], body + "0", "", "HEK-0000-0000"]


def test_typo_in_the_security_key_is_refused_by_both_sides():
    typos = _typos(format_security_key(new_security_key()))
    responses = run_bundle(*({"op": "parseSecurityKey", "text": typo} for typo in typos))
    for typo, response in zip(typos, responses, strict=True):
        with pytest.raises(InvalidSecurityKeyFormat) as refused:
            parse_security_key(typo)
        assert refused_with(response, refused.value), typo


# --- The private key under a device password -------------------------------------------------


def test_key_wrapped_by_the_server_unwraps_in_the_browser(member):
    password = unicodedata.normalize("NFC", "Grüße aus Köln 2025")
    wrapped = wrap_private_key(keypair=member, password=password, **SMALL_COST)
    # Typed on another device as decomposed umlauts: both sides read it as NFC.
    typed = unicodedata.normalize("NFD", password)
    unwrapped, wrong = run_bundle(
        {"op": "unwrapPrivateKey", "wrapped": wrapped.hex(), "password": typed},
        {"op": "unwrapPrivateKey", "wrapped": wrapped.hex(), "password": "Grüße aus Köln 2024"},
    )
    assert unwrapped == {
        "ok": True,
        "publicKey": member.public_bytes.hex(),
        "privateKey": member.private_bytes.hex(),
    }
    assert refused_with(wrong, DecryptionFailed(WRONG_PASSWORD))


def test_key_wrapped_in_the_browser_unwraps_on_the_server(member):
    cost = {"memoryCost": 64, "iterations": 2, "lanes": 2}
    wrapped = call_bundle(
        "wrapPrivateKey",
        privateKey=member.private_bytes.hex(),
        password="Grüße aus Köln 2025",
        cost=cost,
    )["wrapped"]
    unwrapped = unwrap_private_key(wrapped=bytes.fromhex(wrapped), password="Grüße aus Köln 2025")
    assert unwrapped.private_bytes == member.private_bytes
    with pytest.raises(DecryptionFailed):
        unwrap_private_key(wrapped=bytes.fromhex(wrapped), password="grüße aus köln 2025")


def test_key_wrapped_at_the_real_cost_unwraps_in_the_browser(member):
    """64 MiB, t=3, p=4: four lanes computed by hash-wasm give Python's Argon2id key."""
    wrapped = wrap_private_key(keypair=member, password="Herbst-Laub-42")
    response = call_bundle("unwrapPrivateKey", wrapped=wrapped.hex(), password="Herbst-Laub-42")
    assert response["privateKey"] == member.private_bytes.hex()


def test_changed_or_implausible_wrap_is_refused_in_the_browser(member):
    wrapped = bytearray(wrap_private_key(keypair=member, password="Herbst", **SMALL_COST))
    fewer_iterations = bytearray(wrapped)
    fewer_iterations[8] = 1  # iterations 2 -> 1: the header is authenticated
    greedy = bytearray(wrapped)
    greedy[1:5] = (2**21).to_bytes(4, "big")  # 2 GiB: refused before Argon2id runs
    responses = run_bundle(
        *(
            {"op": "unwrapPrivateKey", "wrapped": bytes(blob).hex(), "password": "Herbst"}
            for blob in (fewer_iterations, greedy, wrapped[:-1])
        )
    )
    assert all(refused_with(r, DecryptionFailed(WRONG_PASSWORD)) for r in responses)


# --- RFC 9180 test vectors: mode base, X25519 / HKDF-SHA256 / AES-256-GCM ---------------------


@pytest.fixture(scope="module")
def vector() -> dict:
    document = json.loads(VECTORS.read_text())
    (entry,) = document["vectors"]
    assert (entry["mode"], entry["kem_id"], entry["kdf_id"], entry["aead_id"]) == (0, 32, 1, 2)
    return entry


@pytest.fixture(scope="module")
def bundle_on_vector(vector) -> dict:
    response = call_bundle("rfc9180Vector", vector=vector)
    assert response["ok"], response
    return response


def test_bundle_reproduces_the_rfc9180_ciphertexts(vector, bundle_on_vector):
    assert bundle_on_vector["enc"] == vector["pkEm"]
    assert bundle_on_vector["ciphertexts"] == [e["ciphertext"] for e in vector["encryptions"]]


def test_bundle_opens_the_rfc9180_ciphertexts(vector, bundle_on_vector):
    assert bundle_on_vector["plaintexts"] == [e["plaintext"] for e in vector["encryptions"]]


def test_server_derives_the_rfc9180_public_keys(vector):
    for private, public in (("skRm", "pkRm"), ("skEm", "pkEm")):
        pair = MemberKeyPair.from_private_bytes(bytes.fromhex(vector[private]))
        assert pair.public_bytes.hex() == vector[public]


@dataclass(frozen=True)
class _VectorContext(SealContext):
    """The vector's raw info in place of our canonical one (open_sealed only calls info())."""

    raw_info: bytes = b""

    def info(self) -> bytes:
        return self.raw_info


def test_server_opens_a_box_made_under_the_rfc9180_key_schedule(vector, bundle_on_vector):
    """core.crypto's one-shot open takes no aad, and every vector ciphertext has one ("Count-i").

    So the server cannot open the vector's own ciphertexts. It opens what the bundle sealed
    with the vector's ephemeral key, recipient and info and an empty aad instead: the bundle
    reproduces the vector's ciphertexts above, so both sides derive the RFC's key and nonce.
    """
    context = _VectorContext("", "", 0, raw_info=bytes.fromhex(vector["info"]))
    sealed = bytes.fromhex(bundle_on_vector["oneShotSealed"])
    assert sealed[1:33].hex() == vector["pkEm"]
    opened = open_sealed(sealed=sealed, private_key=bytes.fromhex(vector["skRm"]), context=context)
    assert opened.hex() == vector["encryptions"][0]["plaintext"]
