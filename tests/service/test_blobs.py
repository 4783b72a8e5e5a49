"""Encrypted blobs at rest and KEK rotation, on SQLite and PostgreSQL."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, update
from sqlmodel import select

import core.__main__ as cli
from core import blobs, crypto
from core.db import session_scope
from core.models.blobs import EncryptedBlob
from core.settings import get_secret

OLD = crypto.generate_kek("kek-old")
NEW = crypto.generate_kek("kek-new")
OLD_ONLY = crypto.Keyring(current=OLD)
NEW_ONLY = crypto.Keyring(current=NEW)
DURING_ROTATION = crypto.Keyring(current=NEW, older=(OLD,))


def store_many(engine, count, *, keyring=OLD_ONLY, owner_id=7) -> dict[int, bytes]:
    stored = {}
    with session_scope(write=True, engine=engine) as session:
        for number in range(count):
            plaintext = f"Arztbrief {number}: ".encode() + bytes(range(256)) * number
            blob_id = blobs.store_blob(
                session,
                owner_type="document",
                owner_id=owner_id,
                plaintext=plaintext,
                keyring=keyring,
            )
            stored[blob_id] = plaintext
        session.commit()
    return stored


def rows_at_rest(engine) -> dict[int, tuple[str, bytes, bytes, bytes]]:
    with session_scope(engine=engine) as session:
        rows = session.exec(select(EncryptedBlob).order_by(EncryptedBlob.id)).all()
        return {row.id: (row.kek_id, row.wrapped_key, row.nonce, row.ciphertext) for row in rows}


def read_all(engine, stored, *, keyring, owner_id=7) -> dict[int, bytes]:
    with session_scope(engine=engine) as session:
        return {
            blob_id: blobs.load_blob(
                session,
                blob_id=blob_id,
                owner_type="document",
                owner_id=owner_id,
                keyring=keyring,
            )
            for blob_id in stored
        }


@contextmanager
def rewrites(engine) -> Iterator[list[int]]:
    """Ids of the rows whose data key a rotation wrote while inside the block, in order."""
    written: list[int] = []

    def capture(_conn, _cursor, statement, _parameters, context, _executemany):
        if statement.lstrip().upper().startswith("UPDATE ENCRYPTED_BLOB"):
            written.extend(params["row_id"] for params in context.compiled_parameters)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield written
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def test_a_stored_blob_reads_back_byte_for_byte_and_is_not_stored_in_clear(engine):
    stored = store_many(engine, 3)
    assert read_all(engine, stored, keyring=OLD_ONLY) == stored
    with session_scope(engine=engine) as session:
        for blob_id, plaintext in stored.items():
            row = session.get(EncryptedBlob, blob_id)
            assert row.size == len(plaintext)
            assert row.kek_id == "kek-old"
            assert b"Arztbrief" not in row.ciphertext
            assert row.created_at.utcoffset() is not None


def test_ciphertext_copied_into_another_row_of_the_same_owner_fails_to_decrypt(session):
    first = blobs.store_blob(
        session, owner_type="document", owner_id=7, plaintext=b"Befund A", keyring=OLD_ONLY
    )
    second = blobs.store_blob(
        session, owner_type="document", owner_id=7, plaintext=b"Befund B", keyring=OLD_ONLY
    )
    source = session.get(EncryptedBlob, first)
    session.exec(
        update(EncryptedBlob)
        .where(EncryptedBlob.id == second)
        .values(
            kek_id=source.kek_id,
            wrapped_key=source.wrapped_key,
            nonce=source.nonce,
            ciphertext=source.ciphertext,
        )
    )
    session.commit()

    with pytest.raises(crypto.DecryptionFailed) as refusal:
        blobs.load_blob(
            session, blob_id=second, owner_type="document", owner_id=7, keyring=OLD_ONLY
        )
    assert refusal.value.message.startswith("Die Daten konnten nicht entschlüsselt werden")
    loaded = blobs.load_blob(
        session, blob_id=first, owner_type="document", owner_id=7, keyring=OLD_ONLY
    )
    assert loaded == b"Befund A"


def test_a_row_handed_to_another_owner_in_the_database_fails_to_decrypt(session):
    blob_id = blobs.store_blob(
        session, owner_type="document", owner_id=7, plaintext=b"Befund", keyring=OLD_ONLY
    )
    session.exec(update(EncryptedBlob).where(EncryptedBlob.id == blob_id).values(owner_id="8"))
    session.commit()
    with pytest.raises(crypto.DecryptionFailed):
        blobs.load_blob(
            session, blob_id=blob_id, owner_type="document", owner_id=8, keyring=OLD_ONLY
        )


@pytest.mark.parametrize(("owner_type", "owner_id"), [("document", 8), ("submission", 7)])
def test_another_owner_cannot_load_or_delete_the_blob(session, owner_type, owner_id):
    blob_id = blobs.store_blob(
        session, owner_type="document", owner_id=7, plaintext=b"Befund", keyring=OLD_ONLY
    )
    session.commit()
    with pytest.raises(blobs.BlobNotFound) as refusal:
        blobs.load_blob(
            session, blob_id=blob_id, owner_type=owner_type, owner_id=owner_id, keyring=OLD_ONLY
        )
    assert refusal.value.message == "Die gespeicherte Datei wurde nicht gefunden."
    with pytest.raises(blobs.BlobNotFound):
        blobs.delete_blob(session, blob_id=blob_id, owner_type=owner_type, owner_id=owner_id)
    session.commit()
    loaded = blobs.load_blob(
        session, blob_id=blob_id, owner_type="document", owner_id=7, keyring=OLD_ONLY
    )
    assert loaded == b"Befund"


def test_the_owner_deletes_a_blob_and_it_is_gone(session):
    blob_id = blobs.store_blob(
        session, owner_type="document", owner_id=7, plaintext=b"Befund", keyring=OLD_ONLY
    )
    blobs.delete_blob(session, blob_id=blob_id, owner_type="document", owner_id=7)
    session.commit()
    with pytest.raises(blobs.BlobNotFound):
        blobs.load_blob(
            session, blob_id=blob_id, owner_type="document", owner_id=7, keyring=OLD_ONLY
        )


def test_rotation_leaves_ciphertext_untouched_and_only_the_new_kek_is_needed(engine):
    stored = store_many(engine, 7)
    before = rows_at_rest(engine)

    report = blobs.rotate_kek(engine, new_kek=NEW, keyring=OLD_ONLY, batch_size=3)

    after = rows_at_rest(engine)
    assert (report.rewrapped, report.remaining, report.new_kek_id) == (7, 0, "kek-new")
    for blob_id, (kek_id, wrapped_key, nonce, ciphertext) in after.items():
        old_kek_id, old_wrapped_key, old_nonce, old_ciphertext = before[blob_id]
        assert (old_kek_id, kek_id) == ("kek-old", "kek-new")
        assert wrapped_key != old_wrapped_key
        assert (nonce, ciphertext) == (old_nonce, old_ciphertext)
    assert read_all(engine, stored, keyring=NEW_ONLY) == stored
    with pytest.raises(crypto.UnknownKey):
        read_all(engine, stored, keyring=OLD_ONLY)


class Interrupted(Exception):
    pass


def test_an_interrupted_rotation_resumes_where_it_stopped_and_completes(engine):
    stored = store_many(engine, 7)

    def interrupt(_done, _total):
        raise Interrupted

    seen = []
    with rewrites(engine) as written:
        with pytest.raises(Interrupted):
            blobs.rotate_kek(
                engine, new_kek=NEW, keyring=OLD_ONLY, batch_size=3, progress=interrupt
            )
        assert [row[0] for row in rows_at_rest(engine).values()].count("kek-new") == 3
        report = blobs.rotate_kek(
            engine,
            new_kek=NEW,
            keyring=DURING_ROTATION,
            batch_size=3,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert (report.rewrapped, report.remaining) == (4, 0)
    assert seen == [(3, 4), (4, 4)]
    assert sorted(written) == sorted(stored)  # each row exactly once over both runs
    assert read_all(engine, stored, keyring=NEW_ONLY) == stored


def test_rows_already_under_the_new_kek_are_never_rewritten(engine):
    under_new = store_many(engine, 3, keyring=NEW_ONLY)
    under_old = store_many(engine, 4, keyring=OLD_ONLY)

    with rewrites(engine) as written:
        first = blobs.rotate_kek(engine, new_kek=NEW, keyring=DURING_ROTATION, batch_size=2)
        assert first.rewrapped == 4
        assert sorted(written) == sorted(under_old)
        again = blobs.rotate_kek(
            engine,
            new_kek=NEW,
            keyring=NEW_ONLY,
            progress=lambda *_: pytest.fail("nothing is left to rewrap"),
        )
    assert (again.rewrapped, again.remaining) == (0, 0)
    assert sorted(written) == sorted(under_old)
    assert read_all(engine, under_new | under_old, keyring=NEW_ONLY) == under_new | under_old


def test_rotation_without_an_old_kek_it_needs_is_refused_before_any_change(engine):
    store_many(engine, 2)
    before = rows_at_rest(engine)
    with pytest.raises(crypto.UnknownKey) as refusal:
        blobs.rotate_kek(engine, new_kek=NEW, keyring=NEW_ONLY)
    assert "kek-old" in refusal.value.message and "HEK_OLD_KEKS" in refusal.value.message
    assert rows_at_rest(engine) == before


def test_a_new_kek_reusing_the_id_of_another_key_is_refused(engine):
    store_many(engine, 2, keyring=NEW_ONLY)
    impostor = crypto.generate_kek("kek-new")
    with pytest.raises(blobs.RotationRefused):
        blobs.rotate_kek(engine, new_kek=impostor, keyring=NEW_ONLY)
    with pytest.raises(blobs.RotationRefused):
        blobs.rotate_kek(engine, new_kek=impostor, keyring=OLD_ONLY)


def test_rotate_kek_help_explains_the_procedure(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["rotate-kek", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--new-kek" in text and "HEK_KEK" in text and "HEK_OLD_KEKS" in text


def key_forms(kek: crypto.Kek) -> list[str]:
    """Every way key material could leak into text."""
    return [crypto.kek_to_text(kek).partition(":")[2], kek.key.hex(), repr(kek.key)[2:-1]]


def test_the_cli_prints_the_new_kek_once_on_stdout_and_key_material_nowhere_else(
    engine, monkeypatch, capsys, caplog
):
    monkeypatch.setattr(cli, "get_engine", lambda: engine)
    caplog.set_level(logging.DEBUG)
    old = crypto.kek_from_text(get_secret("kek"))
    with session_scope(write=True, engine=engine) as session:
        stored = {
            blobs.store_blob(session, owner_type="document", owner_id=7, plaintext=text): text
            for text in (b"Befund", b"Rezept", b"Attest")
        }
        session.commit()

    assert cli.main(["rotate-kek"]) == 0
    out, err = capsys.readouterr()
    printed = re.findall(r"kek-\d{8}-[0-9a-f]{6}:[A-Za-z0-9_-]{43}", out)
    assert len(printed) == 1
    new = crypto.kek_from_text(printed[0])
    assert "3/3" in err and "nicht mehr benötigt" in out
    for form in key_forms(new):
        assert out.count(form) == (1 if form in printed[0] else 0)
    for form in key_forms(old) + key_forms(new):
        assert form not in err and form not in caplog.text
    for form in key_forms(old):
        assert form not in out
    assert read_all(engine, stored, keyring=crypto.Keyring(current=new)) == stored

    # Resuming with the printed KEK: nothing left to do, and the key is not echoed.
    assert cli.main(["rotate-kek", "--new-kek", printed[0]]) == 0
    out, err = capsys.readouterr()
    assert "0 Datenschlüssel" in out
    for form in key_forms(old) + key_forms(new):
        assert form not in out + err + caplog.text
