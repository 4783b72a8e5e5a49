"""A signed anchor of the chain's head, kept outside the database, shows a deleted tail that
the chain alone cannot (the head set back with it), and a changed anchor is refused."""

import base64

import pytest

from core import audit_anchor, crypto
from core.db import session_scope
from core.models.audit import AuditEntry
from tests.service.audit_chain import append, run_core, truncate_tail


def _anchor_file(engine, path):
    """An anchor as `audit-anchor --out` writes it."""
    with session_scope(engine=engine) as session:
        _, text = audit_anchor.create_anchor(session)
    path.write_text(text + "\n", encoding="ascii")
    return path


def _confirmed(engine, anchor_text: str) -> bool:
    with session_scope(engine=engine) as session:
        chain = audit_anchor.verify_chain(session)
        anchor = audit_anchor.read_anchor(anchor_text)
        check = audit_anchor.confirm_anchor(session, anchor=anchor, chain=chain)
    return chain.intact and check.confirmed


def test_anchor_shows_a_tail_deleted_together_with_the_head(engine, tmp_path):
    append(engine, 10)
    anchor = tmp_path / "anker.txt"
    written = run_core(engine, "audit-anchor", "--out", str(anchor))
    assert written.returncode == 0, written.stdout + written.stderr
    assert _confirmed(engine, anchor.read_text())

    truncate_tail(engine, keep=7)

    with session_scope(engine=engine) as session:
        assert audit_anchor.verify_chain(session).intact  # what the chain cannot see alone
    result = run_core(engine, "verify-audit", "--anchor", str(anchor))
    assert result.returncode == 1
    assert "Audit-Protokoll intakt: 7 Einträge geprüft." in result.stdout
    assert (
        "Anker über Eintrag 10 (verankert am " in result.stdout
        and "NICHT bestätigt: Eintrag 10 fehlt, die Kette endet bei Eintrag 7: "
        "Einträge am Ende wurden gelöscht."
        in result.stdout
    )


def test_anchor_shows_a_deleted_tail_even_after_new_entries_took_its_numbers(engine):
    append(engine, 6)
    with session_scope(engine=engine) as session:
        anchor, _ = audit_anchor.create_anchor(session)
    truncate_tail(engine, keep=4)
    append(engine, 3)  # the portal goes on: seq 5, 6, 7 again, a valid chain

    with session_scope(engine=engine) as session:
        chain = audit_anchor.verify_chain(session)
        check = audit_anchor.confirm_anchor(session, anchor=anchor, chain=chain)
    assert chain.intact and chain.last_seq == 7
    assert not check.confirmed
    assert "Eintrag 6 trägt nicht mehr die verankerte Prüfsumme" in check.message


def test_anchor_is_still_confirmed_when_only_later_entries_break(engine):
    append(engine, 3)
    with session_scope(engine=engine) as session:
        anchor, _ = audit_anchor.create_anchor(session)
    append(engine, 3)
    with session_scope(write=True, engine=engine) as session:
        session.get(AuditEntry, 5).actor = "jemand"
        session.commit()
    with session_scope(engine=engine) as session:
        chain = audit_anchor.verify_chain(session)
        check = audit_anchor.confirm_anchor(session, anchor=anchor, chain=chain)
    assert chain.first_break.seq == 5
    assert check.confirmed


def _flip_a_bit(anchor_text: str, *, part: int, byte: int, bit: int = 0) -> str:
    parts = anchor_text.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[part] + "=" * (-len(parts[part]) % 4)))
    raw[byte] ^= 1 << bit
    parts[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(parts)


def test_a_forged_anchor_file_is_refused(engine, tmp_path):
    append(engine, 4)
    genuine = _anchor_file(engine, tmp_path / "anker.txt").read_text().strip()
    body = base64.urlsafe_b64decode(genuine.split(".")[1] + "==")
    assert body.endswith(b'"seq":4}')
    forged = tmp_path / "gefälscht.txt"  # seq 4 -> 5: the last digit's lowest bit
    forged.write_text(_flip_a_bit(genuine, part=1, byte=len(body) - 2) + "\n")

    result = run_core(engine, "verify-audit", "--anchor", str(forged))

    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"{forged}: Der Anker ist ungültig: Die Signatur passt nicht zum Inhalt "
        "(verändert oder gefälscht)."
    )


@pytest.mark.parametrize("part, byte", [(2, 0), (2, 63), (1, 0)])
def test_any_flipped_bit_in_signature_or_body_is_refused(engine, part, byte):
    append(engine, 2)
    with session_scope(engine=engine) as session:
        _, text = audit_anchor.create_anchor(session)
    audit_anchor.read_anchor(text)  # the genuine one is read
    with pytest.raises(audit_anchor.InvalidAnchor):
        audit_anchor.read_anchor(_flip_a_bit(text, part=part, byte=byte, bit=7))


def test_an_anchor_signed_by_another_key_is_not_confirmed(engine):
    append(engine, 2)
    with session_scope(engine=engine) as session:
        _, text = audit_anchor.create_anchor(
            session, signing_key=crypto.generate_signing_key("sig-fremd")
        )
    with pytest.raises(audit_anchor.InvalidAnchor) as refusal:
        audit_anchor.read_anchor(text)
    assert "„sig-fremd“" in refusal.value.message


def test_no_anchor_for_an_empty_or_a_broken_chain(engine):
    with session_scope(engine=engine) as session, pytest.raises(audit_anchor.NothingToAnchor):
        audit_anchor.create_anchor(session)
    append(engine, 3)
    with session_scope(write=True, engine=engine) as session:
        session.get(AuditEntry, 2).action = "nichts"
        session.commit()
    with (
        session_scope(engine=engine) as session,
        pytest.raises(audit_anchor.ChainNotAnchored) as refusal,
    ):
        audit_anchor.create_anchor(session)
    assert "Eintrag 2" in refusal.value.message


def test_an_anchor_file_is_never_overwritten(engine, tmp_path):
    append(engine, 2)
    earlier = tmp_path / "anker.txt"
    earlier.write_text("ein früherer Anker\n")
    again = run_core(engine, "audit-anchor", "--out", str(earlier))
    assert again.returncode == 1
    assert "existiert schon" in again.stdout
    assert earlier.read_text() == "ein früherer Anker\n"


def test_audit_anchor_without_out_writes_the_anchor_to_stdout(engine):
    append(engine, 2)
    result = run_core(engine, "audit-anchor")
    assert result.returncode == 0
    assert _confirmed(engine, result.stdout)
    assert audit_anchor.read_anchor(result.stdout).seq == 2
    assert "Anker über Eintrag 2" in result.stderr
