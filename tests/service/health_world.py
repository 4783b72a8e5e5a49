"""A smarthealth test world: the insurer's database beside a fresh provider database.

Test modules wrap it in a fixture (`with health_world(engine, monkeypatch) as world`).
"""

import io
import itertools
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from core import crypto
from core.actors import Actor
from core.clock import utcnow
from core.db import make_engine, session_scope
from core.health import activation, keys
from core.health import migrate as health_migrate
from core.health.keys import UnlockedRecord
from core.models.accounts import Role
from core.models.identity import (
    Identification,
    IdentificationProcedure,
    IdentificationPurpose,
    IdentificationStatus,
    LevelReached,
)
from core.settings import get_settings
from tests.factories import make_account, make_member

TODAY = date(2026, 11, 24)
DEVICE_PASSWORD = "geraete-passwort-1"
CONSENT = activation.Consent(terms=True, privacy=True, transfer=True)
_names = itertools.count(1)


def _template() -> Path:
    template = get_settings().data_dir / "health-template.db"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}")
        health_migrate.upgrade(engine)
        engine.dispose()
    return template


def fresh_provider_url() -> str:
    target = get_settings().data_dir / f"health-{uuid.uuid4().hex}.db"
    shutil.copyfile(_template(), target)
    return f"sqlite:///{target}"


@dataclass
class World:
    insurer: Engine
    provider: Engine

    @contextmanager
    def sessions(self) -> Iterator[tuple[Session, Session]]:
        """(insurer session, provider session) for one action."""
        with (
            session_scope(write=True, engine=self.insurer) as session,
            session_scope(write=True, engine=self.provider) as health,
        ):
            yield session, health

    def member(self, **overrides) -> Actor:
        """A member with level smarthealth (unless overridden), reached by eID, and their login."""
        values = {"service_level": "smarthealth"} | overrides
        with session_scope(write=True, engine=self.insurer) as session:
            member = make_member(session, **values)
            if member.service_level == "smarthealth":
                session.add(eid_identification(member.id))
            return make_account(session, username=f"health{next(_names)}", member=member)

    def clerk(self) -> Actor:
        with session_scope(write=True, engine=self.insurer) as session:
            return make_account(session, username=f"clerk{next(_names)}", role=Role.CLERK)

    def activate(
        self, actor: Actor, *, today: date = TODAY, device_id: str = "device-1"
    ) -> tuple[UnlockedRecord, crypto.SecurityKey]:
        key = crypto.new_security_key()
        with self.sessions() as (session, health):
            unlocked = activation.complete_activation(
                session,
                health,
                actor=actor,
                shown_key=key,
                typed_key=crypto.format_security_key(key),
                device_id=device_id,
                device_password=DEVICE_PASSWORD,
                consent=CONSENT,
                today=today,
            )
        return unlocked, key


def eid_identification(member_id: int) -> Identification:
    """A completed eID identification: what lets a smart member activate smarthealth."""
    now = utcnow()
    return Identification(
        member_id=member_id,
        procedure=IdentificationProcedure.EID,
        purpose=IdentificationPurpose.UPGRADE,
        status=IdentificationStatus.SUCCEEDED,
        level_reached=LevelReached.SMARTHEALTH_READY,
        steps_done=3,
        started_at=now,
        completed_at=now,
    )


def _fresh_provider(insurer: Engine) -> Engine:
    """A migrated provider database on the insurer's backend (SQLite or PostgreSQL)."""
    if insurer.dialect.name != "postgresql":
        return make_engine(fresh_provider_url())
    from tests.conftest import POSTGRES_URL

    name = f"health_{uuid.uuid4().hex[:12]}"
    admin = make_engine(f"{POSTGRES_URL}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    provider = make_engine(f"{POSTGRES_URL}/{name}")
    health_migrate.upgrade(provider)
    return provider


@contextmanager
def health_world(engine: Engine, monkeypatch) -> Iterator[World]:
    # Argon2id at its smallest: these tests are about the protocol, not the work factor.
    monkeypatch.setattr(keys, "DEVICE_WRAP_COST", {"memory_cost": 8, "iterations": 1, "lanes": 1})
    provider = _fresh_provider(engine)
    try:
        yield World(insurer=engine, provider=provider)
    finally:
        provider.dispose()


def pdf_text(data: bytes) -> str:
    """The text of a stored PDF: uploads are stored as qpdf re-wrote them, not byte for byte."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def letter_pdf(text: str) -> bytes:
    """A one-page letter whose text stands uncompressed in the file (so a leak would show)."""
    from fpdf import FPDF

    document = FPDF()
    document.set_compression(False)
    document.add_page()
    document.set_font("helvetica", size=12)
    document.multi_cell(0, 6, text)
    data = bytes(document.output())
    assert text.encode("latin-1") in data
    return data
