"""The audit key and the anchor signature (core.crypto), and how the audit keys are configured."""

import pytest

from core import crypto
from core.audit import AuditKeyringMisconfigured, configured_audit_keyring
from core.settings import get_secrets

FIELDS = {"seq": 42, "link": "ab" * 32, "at": "2026-12-08T10:00:00+00:00"}


def test_a_link_needs_the_key_and_differs_per_key():
    first, second = crypto.generate_audit_key("ak-1"), crypto.generate_audit_key("ak-2")
    link = crypto.audit_link(audit_key=first, message=b"entry")
    assert link == crypto.audit_link(audit_key=first, message=b"entry")
    assert link != crypto.audit_link(audit_key=second, message=b"entry")
    assert link != crypto.audit_link(audit_key=first, message=b"entrz")
    assert len(link) == 64 and int(link, 16) >= 0


def test_an_audit_key_is_written_like_a_kek_and_read_back_strictly():
    key = crypto.generate_audit_key("ak-2026")
    text = crypto.audit_key_to_text(key)
    assert text.startswith("ak-2026:") and crypto.audit_key_from_text(text) == key
    for broken in ("ak-1", "ak-1:" + "A" * 42, "ak 1:" + text.partition(":")[2], ""):
        with pytest.raises(crypto.InvalidKeyText):
            crypto.audit_key_from_text(broken)


def test_repr_of_an_audit_key_never_shows_its_material():
    key = crypto.generate_audit_key("ak-1")
    material = crypto.audit_key_to_text(key).partition(":")[2]
    for shown in (repr(key), str(key), f"{[key]}"):
        assert "ak-1" in shown
        assert material not in shown and key.key.hex() not in shown


def test_an_anchor_and_a_certificate_payload_never_pass_as_each_other():
    key = crypto.generate_signing_key("sig-1")
    public = {"sig-1": key.public_bytes}
    anchor = crypto.sign_audit_anchor(fields=FIELDS, signing_key=key)
    payload = crypto.sign_payload(fields=FIELDS, signing_key=key)
    assert crypto.verify_audit_anchor(anchor=anchor, public_keys=public).status == "valid"
    assert crypto.verify_payload(payload=payload, public_keys=public).status == "valid"
    assert crypto.verify_payload(payload=anchor, public_keys=public).status == "invalid"
    assert crypto.verify_audit_anchor(anchor=payload, public_keys=public).status == "invalid"


@pytest.fixture
def configured(monkeypatch):
    def configure(current: str, older: str = "") -> None:
        monkeypatch.setenv("HEK_AUDIT_KEY", current)
        monkeypatch.setenv("HEK_OLD_AUDIT_KEYS", older)
        get_secrets.cache_clear()

    yield configure
    monkeypatch.undo()
    get_secrets.cache_clear()


def test_old_audit_keys_are_a_comma_separated_list(configured):
    current, *older = (crypto.generate_audit_key(f"ak-{n}") for n in (3, 2, 1))
    texts = [crypto.audit_key_to_text(key) for key in older]
    configured(crypto.audit_key_to_text(current), f" {texts[0]} ,{texts[1]},,")
    keyring = configured_audit_keyring()
    assert keyring.current == current and keyring.older == tuple(older)
    assert keyring.lookup("ak-1") == older[1] and keyring.lookup("ak-9") is None


def test_two_audit_keys_with_one_id_are_refused(configured):
    current = crypto.generate_audit_key("ak-1")
    impostor = crypto.generate_audit_key("ak-1")
    configured(crypto.audit_key_to_text(current), crypto.audit_key_to_text(impostor))
    with pytest.raises(AuditKeyringMisconfigured) as refusal:
        configured_audit_keyring()
    assert "HEK_OLD_AUDIT_KEYS" in refusal.value.message
