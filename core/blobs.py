"""Encrypted blob storage at rest and KEK rotation.

Each blob is sealed under its own data key, wrapped by the current KEK (core.crypto). The
associated data names the owner and the row id, so ciphertext copied to another row or
owner fails to decrypt. Rotation re-wraps only the data keys; ciphertext stays byte for byte.
"""

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, Executable, bindparam, delete, func, update
from sqlmodel import Session, select

from core import crypto
from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.models.blobs import EncryptedBlob
from core.settings import get_optional_secret, get_secret

Progress = Callable[[int, int], None]


class BlobNotFound(DomainError):
    # The same answer for "no such blob" and "not yours": it reveals nothing about others.
    default_message = "Die gespeicherte Datei wurde nicht gefunden."


class KeyringMisconfigured(DomainError):
    default_message = (
        "Die Schlüsselkonfiguration ist widersprüchlich: Zwei verschiedene Schlüssel "
        "tragen dieselbe Kennung (HEK_KEK, HEK_OLD_KEKS)."
    )


class RotationRefused(DomainError):
    default_message = "Die Umschlüsselung wurde abgelehnt."


def configured_keyring() -> crypto.Keyring:
    """HEK_KEK seals; the comma-separated HEK_OLD_KEKS still open older blobs."""
    current = crypto.kek_from_text(get_secret("kek"))
    older: list[crypto.Kek] = []
    for text in (get_optional_secret("old_keks") or "").split(","):
        if text.strip():
            kek = crypto.kek_from_text(text)
            if kek != current and kek not in older:
                older.append(kek)
    try:
        return crypto.Keyring(current=current, older=tuple(older))
    except ValueError:
        raise KeyringMisconfigured from None


def _associated_data(*, owner_type: str, owner_id: str, blob_id: int) -> bytes:
    """Canonical, length-prefixed: no two (owner, row) pairs encode alike."""
    parts = [b"hek blob/v1", owner_type.encode(), owner_id.encode(), str(blob_id).encode()]
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def store_blob(
    session: Session,
    *,
    owner_type: str,
    owner_id: str | int,
    plaintext: bytes,
    keyring: crypto.Keyring | None = None,
) -> int:
    """Encrypt and insert in the caller's transaction (the commit is the caller's); the id."""
    keyring = keyring or configured_keyring()
    kek = keyring.current
    # Insert first: the row id is part of the associated data, so it must exist before sealing.
    blob = EncryptedBlob(
        owner_type=owner_type,
        owner_id=str(owner_id),
        kek_id=kek.kek_id,
        wrapped_key=b"",
        nonce=b"",
        ciphertext=b"",
        size=len(plaintext),
        created_at=utcnow(),
    )
    session.add(blob)
    session.flush()
    envelope = crypto.seal_blob(
        plaintext=plaintext,
        kek=kek,
        associated_data=_associated_data(
            owner_type=blob.owner_type, owner_id=blob.owner_id, blob_id=blob.id
        ),
    )
    blob.wrapped_key = envelope.wrapped_key
    blob.nonce = envelope.nonce
    blob.ciphertext = envelope.ciphertext
    session.add(blob)
    session.flush()
    return blob.id


def store_first_file(
    session: Session,
    *,
    owner_type: str,
    owner_id: str | int,
    plaintext: bytes,
    claim: Callable[[int], Executable],
) -> bool:
    """Store a file made later for a row that never had one (the seed's history), unless
    another session stored one first. `claim(blob_id)` is an UPDATE that matches the row only
    while it still has no file. In a savepoint, so losing gives back this blob alone; True
    when ours stands (the commit is the caller's)."""
    savepoint = session.begin_nested()
    blob_id = store_blob(session, owner_type=owner_type, owner_id=owner_id, plaintext=plaintext)
    if session.exec(claim(blob_id)).rowcount == 1:
        savepoint.commit()
        return True
    savepoint.rollback()
    return False


def sealed_blob_rows(
    *,
    blob_ids: list[int],
    owner_type: str,
    owner_ids: list[str | int],
    plaintexts: list[bytes],
    created_at: list,
    keyring: crypto.Keyring | None = None,
) -> list[dict]:
    """Bulk seeding: `encrypted_blob` rows for ids the caller reserved, each sealed exactly as
    store_blob seals it (own data key, associated data naming owner and row), for one insert."""
    kek = (keyring or configured_keyring()).current
    rows = []
    for blob_id, owner_id, plaintext, moment in zip(
        blob_ids, owner_ids, plaintexts, created_at, strict=True
    ):
        envelope = crypto.seal_blob(
            plaintext=plaintext,
            kek=kek,
            associated_data=_associated_data(
                owner_type=owner_type, owner_id=str(owner_id), blob_id=blob_id
            ),
        )
        rows.append(
            {
                "id": blob_id,
                "owner_type": owner_type,
                "owner_id": str(owner_id),
                "kek_id": kek.kek_id,
                "wrapped_key": envelope.wrapped_key,
                "nonce": envelope.nonce,
                "ciphertext": envelope.ciphertext,
                "size": len(plaintext),
                "created_at": moment,
            }
        )
    return rows


def load_blob(
    session: Session,
    *,
    blob_id: int,
    owner_type: str,
    owner_id: str | int,
    keyring: crypto.Keyring | None = None,
) -> bytes:
    """The plaintext; BlobNotFound if not this owner's, DecryptionFailed if moved or changed."""
    blob = session.exec(
        select(EncryptedBlob).where(
            EncryptedBlob.id == blob_id,
            EncryptedBlob.owner_type == owner_type,
            EncryptedBlob.owner_id == str(owner_id),
        )
    ).first()
    if blob is None:
        raise BlobNotFound
    envelope = crypto.Envelope(
        kek_id=blob.kek_id,
        wrapped_key=blob.wrapped_key,
        nonce=blob.nonce,
        ciphertext=blob.ciphertext,
    )
    return crypto.open_blob(
        envelope=envelope,
        keyring=keyring or configured_keyring(),
        associated_data=_associated_data(
            owner_type=owner_type, owner_id=str(owner_id), blob_id=blob_id
        ),
    )


def delete_blob(session: Session, *, blob_id: int, owner_type: str, owner_id: str | int) -> None:
    """Delete in the caller's transaction; BlobNotFound if it is not this owner's."""
    result = session.exec(
        delete(EncryptedBlob).where(
            EncryptedBlob.id == blob_id,
            EncryptedBlob.owner_type == owner_type,
            EncryptedBlob.owner_id == str(owner_id),
        )
    )
    if result.rowcount != 1:
        raise BlobNotFound


# --- KEK rotation ----------------------------------------------------------------------


@dataclass(frozen=True)
class RotationReport:
    new_kek_id: str
    rewrapped: int
    remaining: int  # rows not under the new KEK afterwards (written meanwhile by an old config)
    seconds: float

    @property
    def rate(self) -> float:
        return self.rewrapped / self.seconds if self.seconds else 0.0


def _check_rotation(session: Session, *, new_kek: crypto.Kek, keyring: crypto.Keyring) -> None:
    """Refuse before touching a row: an id clash or a missing old KEK would lose blobs."""
    try:
        known = keyring.lookup(new_kek.kek_id)
    except crypto.UnknownKey:
        known = None
    if known is not None and known != new_kek:
        raise RotationRefused(
            f"Die Kennung „{new_kek.kek_id}“ gehört bereits zu einem anderen Schlüssel."
        )
    already = session.exec(
        select(EncryptedBlob.wrapped_key).where(EncryptedBlob.kek_id == new_kek.kek_id).limit(1)
    ).first()
    if already is not None:
        # A resumed run: the new KEK must open what an earlier run wrapped under its id.
        envelope = crypto.Envelope(
            kek_id=new_kek.kek_id, wrapped_key=already, nonce=b"", ciphertext=b""
        )
        probe = crypto.Keyring(current=new_kek)
        try:
            crypto.rewrap(envelope=envelope, keyring=probe, new_kek=new_kek)
        except crypto.DecryptionFailed:
            raise RotationRefused(
                f"In der Datenbank gibt es schon Daten unter „{new_kek.kek_id}“ mit einem "
                "anderen Schlüssel. Wählen Sie eine neue Kennung."
            ) from None
    old_ids = session.exec(
        select(EncryptedBlob.kek_id).where(EncryptedBlob.kek_id != new_kek.kek_id).distinct()
    ).all()
    for kek_id in old_ids:
        try:
            keyring.lookup(kek_id)
        except crypto.UnknownKey:
            raise crypto.UnknownKey(
                f"Für die Umschlüsselung fehlt der Schlüssel „{kek_id}“. "
                "Tragen Sie ihn in HEK_OLD_KEKS ein."
            ) from None


def _pending(session: Session, kek_id: str) -> int:
    return session.exec(
        select(func.count()).select_from(EncryptedBlob).where(EncryptedBlob.kek_id != kek_id)
    ).one()


def rotate_kek(
    engine: Engine,
    *,
    new_kek: crypto.Kek,
    keyring: crypto.Keyring,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationReport:
    """Re-wrap every data key not yet under new_kek, one committed batch at a time.

    Resumable: rows already under new_kek are never selected again, so a second run
    continues where an interrupted one stopped. Nonce and ciphertext are never written.
    """
    started = time.perf_counter()
    with session_scope(engine=engine) as session:
        _check_rotation(session, new_kek=new_kek, keyring=keyring)
        total = _pending(session, new_kek.kek_id)
    table = EncryptedBlob.__table__
    rewrap_row = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(kek_id=new_kek.kek_id, wrapped_key=bindparam("new_wrapped_key"))
    )
    done = 0
    last_id = 0  # keyset paging: a row that cannot change never stalls the loop
    while True:
        with session_scope(write=True, engine=engine) as session:
            rows = session.exec(
                select(EncryptedBlob.id, EncryptedBlob.kek_id, EncryptedBlob.wrapped_key)
                .where(EncryptedBlob.kek_id != new_kek.kek_id, EncryptedBlob.id > last_id)
                .order_by(EncryptedBlob.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            params = []
            for row_id, kek_id, wrapped_key in rows:
                envelope = crypto.Envelope(
                    kek_id=kek_id, wrapped_key=wrapped_key, nonce=b"", ciphertext=b""
                )
                rewrapped = crypto.rewrap(envelope=envelope, keyring=keyring, new_kek=new_kek)
                params.append({"row_id": row_id, "new_wrapped_key": rewrapped.wrapped_key})
            session.exec(rewrap_row, params=params)
            session.commit()
        done += len(rows)
        last_id = rows[-1][0]
        if progress:
            progress(done, max(total, done))
    with session_scope(engine=engine) as session:
        remaining = _pending(session, new_kek.kek_id)
    return RotationReport(
        new_kek_id=new_kek.kek_id,
        rewrapped=done,
        remaining=remaining,
        seconds=time.perf_counter() - started,
    )
