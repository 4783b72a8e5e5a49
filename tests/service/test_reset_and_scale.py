"""Demo reset, bulk seeding at scale and the KPI aggregates, on SQLite and PostgreSQL."""

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, MetaData, event, inspect, text
from sqlmodel import col, func, select

from core import audit, auth, dashboard, demo_reset, documents, letters, personas, scale_seed
from core.actors import Actor
from core.clock import to_berlin, utcnow
from core.db import make_engine, session_scope
from core.errors import NotAllowed, SessionEnded
from core.health.models import RecordAccount, RecordEntry, RecordImport
from core.identifiers import parse_identifier
from core.models.accounts import UserAccount
from core.models.audit import AuditEntry, AuditHead
from core.models.blobs import EncryptedBlob
from core.models.bonus import BonusEnrolment, BonusEvidence
from core.models.certificates import CertificateRequest
from core.models.digital_cards import DigitalCard
from core.models.documents import Submission
from core.models.health_link import HealthLink
from core.models.issued_certificates import IssuedCertificate
from core.models.letters import Letter
from core.models.people import Member
from core.scale_seed import (
    HISTORY_YEARS,
    SeedPlan,
    bulk_tracking_ids,
    seed_population,
    seed_submissions,
)
from core.scale_seed.bulk import not_in_persona_household
from core.seed import DEMO_PASSWORD, seed_demo, seed_members
from core.settings import get_settings
from tests.conftest import BACKENDS, fresh_database_url

DEMO_MEMBERS = 20
KEEP = {"alembic_version", "record_alembic_version"}


@pytest.fixture
def production_mode(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("HEK_MODE", "production")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def row_counts(engine: Engine) -> dict[str, int]:
    tables = MetaData()
    tables.reflect(bind=engine)
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in tables.tables.items()
            if name not in KEEP
        }


def sign_in(engine: Engine, username: str):
    with session_scope(write=True, engine=engine) as session:
        return auth.login(session, username=username, password=DEMO_PASSWORD)


@pytest.fixture(params=BACKENDS)
def twin_engines(request) -> Iterator[tuple[Engine, Engine]]:
    """Two fresh databases on the same backend: one gets reset, one is seeded from scratch."""
    engines = (
        make_engine(fresh_database_url(request.param)),
        make_engine(fresh_database_url(request.param)),
    )
    yield engines
    for created in engines:
        created.dispose()


def test_reset_leaves_exactly_the_demo_data_and_ends_every_session(twin_engines):
    used, fresh = twin_engines
    seed_population(used, SeedPlan(members=DEMO_MEMBERS, demo=True))
    signed_in = sign_in(used, "admin")
    with session_scope(write=True, engine=used) as session:
        persona = personas.act_as(session, admin=signed_in.actor, username="lena.basic")
    seed_members(used, count=15, seed=99)  # someone added more data meanwhile
    progress: list[tuple[float, str]] = []

    report = demo_reset.reset_demo(
        used,
        actor=signed_in.actor,
        members=DEMO_MEMBERS,
        progress=lambda fraction, line: progress.append((fraction, line)),
    )
    seed_population(fresh, SeedPlan(members=DEMO_MEMBERS, demo=True))

    expected = row_counts(fresh)
    expected["audit_entry"] += 1  # the reset is the first entry of the new chain
    expected["user_session"] = 0
    assert row_counts(used) == expected
    assert report.tables_cleared == len(expected)
    with session_scope(engine=used) as session:
        assert audit.verify_chain(session).intact
        entry = session.exec(select(AuditEntry)).one()
        assert (entry.seq, entry.actor, entry.action) == (1, "admin", "reset_demo")
        assert session.get(AuditHead, 1).last_seq == 1
        kvnrs = set(session.exec(select(Member.kvnr)).all())
    with session_scope(engine=fresh) as session:
        assert kvnrs == set(session.exec(select(Member.kvnr)).all())
    for token in (signed_in.token, persona.token):
        with session_scope(write=True, engine=used) as session, pytest.raises(SessionEnded):
            auth.resume(session, token=token)
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1][1] == "Demodaten sind neu aufgebaut."
    assert sign_in(used, "lena.basic").actor.service_level == "basic"


def test_reset_is_refused_to_clerks_and_outside_demo_mode(engine, production_mode):
    seed_population(engine, SeedPlan(members=3, demo=True))
    counts = row_counts(engine)
    clerk = Actor(user_id=5, username="sachbearbeitung", role="clerk", display_name="S")
    admin = Actor(user_id=7, username="admin", role="admin", display_name="A")

    with pytest.raises(NotAllowed):
        demo_reset.reset_demo(engine, actor=clerk)
    with pytest.raises(personas.NotInDemoMode):
        demo_reset.reset_demo(engine, actor=admin)

    assert row_counts(engine) == counts


def test_reset_refuses_a_clerk_in_demo_mode(engine):
    seed_population(engine, SeedPlan(members=3, demo=True))
    clerk = sign_in(engine, "sachbearbeitung").actor

    with pytest.raises(NotAllowed, match="Nur Admins"):
        demo_reset.reset_demo(engine, actor=clerk)


def test_bulk_seeding_gives_about_ten_documents_per_member_over_six_years(engine):
    seed_members(engine, count=2000, seed=11)
    started = utcnow()

    inserted = seed_submissions(engine, seed=5)

    with session_scope(engine=engine) as session:
        rows = session.exec(
            select(
                Submission.tracking_id,
                Submission.status,
                Submission.doc_type,
                Submission.created_at,
                Submission.decided_at,
                Submission.blob_id,
            )
        ).all()
    assert len(rows) == inserted
    assert 9.0 <= inserted / 2000 <= 11.0
    tracking_ids = [row[0] for row in rows]
    assert len(set(tracking_ids)) == len(tracking_ids)
    assert all(parse_identifier(tracking_id) == tracking_id for tracking_id in tracking_ids)
    statuses = Counter(row[1] for row in rows)
    assert statuses["erledigt"] / inserted > 0.85
    assert 0 < statuses["eingegangen"] + statuses["in_bearbeitung"] < 0.05 * inserted
    assert {row[2] for row in rows} == set(documents.DOCUMENT_TYPES)
    oldest = started - timedelta(days=round(365.25 * HISTORY_YEARS) + 1)
    assert all(oldest <= row[3] <= started for row in rows)
    assert all(row[4] is None or row[4] >= row[3] for row in rows)
    assert all(row[5] is None for row in rows)


def test_seeding_documents_again_skips_every_member_who_has_some(engine):
    seed_members(engine, count=300, seed=12)
    seed_submissions(engine, seed=5)
    per_member = documents_per_member(engine)

    seed_submissions(engine, seed=6)

    again = documents_per_member(engine)
    assert {member: again[member] for member in per_member} == per_member
    assert len(again) - len(per_member) < 30  # only members who had drawn none


def submission_indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("submission")}


def test_a_bulk_load_builds_every_index_again_and_loads_the_same_rows(engine, monkeypatch):
    before = submission_indexes(engine)
    # bulk mode at any size
    monkeypatch.setattr(scale_seed.documents, "BULK_LOAD_MEMBERS", 1)
    seed_members(engine, count=200, seed=13)

    inserted = seed_submissions(engine, seed=5)

    assert submission_indexes(engine) == before
    assert len(documents_per_member(engine)) > 180
    assert sum(documents_per_member(engine).values()) == inserted


def test_indexes_a_crashed_bulk_load_left_out_are_created_first(engine):
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_submission_created_type"))
    seed_members(engine, count=5, seed=14)

    seed_submissions(engine, seed=5)

    assert "ix_submission_created_type" in submission_indexes(engine)


def documents_per_member(engine: Engine) -> dict[int, int]:
    with session_scope(engine=engine) as session:
        return dict(
            session.exec(
                select(Submission.member_id, func.count()).group_by(Submission.member_id)
            ).all()
        )


def test_bulk_tracking_ids_read_back_like_single_ones():
    ids = bulk_tracking_ids(5000)

    assert len(set(ids)) == 5000
    assert all(parse_identifier(tracking_id) == tracking_id for tracking_id in ids)
    assert all(len(tracking_id) == len("HEK-7KQ2-M9XD-4TPW-R3V8-C") for tracking_id in ids)


def test_a_historic_document_without_a_file_gets_a_german_message(engine):
    seed_population(engine, SeedPlan(members=5, demo=True))
    clerk = sign_in(engine, "sachbearbeitung").actor
    with session_scope(engine=engine) as session:
        historic = session.exec(select(Submission.id)).first()

    with (
        session_scope(write=True, engine=engine) as session,
        pytest.raises(documents.NoStoredFile) as missing,
    ):
        documents.submission_pdf(session, actor=clerk, submission_id=historic)

    assert missing.value.message == (
        "Für diesen historischen Vorgang ist keine Datei gespeichert (Demodaten)."
    )


@pytest.fixture
def seeded_with_records(engine) -> Iterator[tuple[Engine, Engine]]:
    """The insurer's database seeded for 300 members, and its own smarthealth provider's."""
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgres"
    provider_url = fresh_database_url(backend)
    seed_population(engine, SeedPlan(members=300, demo=True, health_url=provider_url))
    provider = make_engine(provider_url)
    yield engine, provider
    provider.dispose()


@pytest.fixture
def seeded(seeded_with_records) -> Engine:
    return seeded_with_records[0]


def test_dashboard_aggregates_match_counting_every_row(seeded):
    admin = sign_in(seeded, "admin").actor

    with session_scope(engine=seeded) as session:
        figures = dashboard.dashboard(session, actor=admin, days=30)
        members = session.exec(select(Member.service_level)).all()
        rows = session.exec(
            select(Submission.doc_type, Submission.status, Submission.created_at)
        ).all()

    assert figures.members_total == len(members)
    assert figures.members_by_level == dict(Counter(members))
    assert figures.submissions_total == len(rows)
    open_rows = [row for row in rows if row[1] in ("eingegangen", "in_bearbeitung")]
    assert figures.open_total == len(open_rows) == sum(figures.backlog_by_age.values())
    assert figures.open_by_type == dict(Counter(row[0] for row in open_rows))
    assert figures.oldest_open_at == min(row[2] for row in open_rows)
    since = dashboard.intake_since(30)  # whole Berlin days, today included
    expected: dict = {}
    for doc_type, _status, created_at in rows:
        if created_at >= since:
            day = expected.setdefault(to_berlin(created_at).date(), Counter())
            day[doc_type] += 1
    assert figures.intake_per_day == {day: dict(count) for day, count in sorted(expected.items())}
    assert figures.median_handling_hours is not None and figures.median_handling_hours > 1


def test_dashboard_counts_certificates_cards_and_identifications_of_the_seeded_data(seeded):
    admin = sign_in(seeded, "admin").actor

    with session_scope(engine=seeded) as session:
        figures = dashboard.dashboard(session, actor=admin)
        succeeded = session.execute(
            text(
                "SELECT procedure, count(*) FROM identification "
                "WHERE status = 'succeeded' GROUP BY procedure"
            )
        ).all()
        issued = session.exec(select(IssuedCertificate.delivery)).all()
        requested = session.exec(select(CertificateRequest.status)).all()
        cards = session.exec(select(DigitalCard.valid_from)).all()

    assert figures.identifications == dict(succeeded)
    assert set(figures.identifications) == {"eid", "robo"}
    assert figures.certificates_issued == dict(Counter(issued))
    assert set(figures.certificates_issued) == {"app", "post"}
    assert figures.certificates_requested == dict(Counter(requested))
    assert figures.digital_cards_per_year == {
        str(year): count for year, count in sorted(Counter(day.year for day in cards).items())
    }
    assert sum(figures.digital_cards_per_year.values()) > 0
    assert figures.members_by_level["smart"] > 0 and figures.members_by_level["smarthealth"] > 0


def seeded_smart_members(engine: Engine) -> list[int]:
    """Smart members outside the personas' households: the ones the feature steps fill."""
    with session_scope(engine=engine) as session:
        return list(
            session.exec(
                select(Member.id).where(
                    col(Member.service_level).in_(["smart", "smarthealth"]),
                    not_in_persona_household(),
                )
            ).all()
        )


def per_member(engine: Engine, column) -> Counter:
    with session_scope(engine=engine) as session:
        return Counter(session.exec(select(column)).all())


def test_seeding_gives_smart_members_accounts_certificates_cards_letters_and_bonus(seeded):
    smart = seeded_smart_members(seeded)
    accounts = per_member(seeded, UserAccount.member_id)
    requests = per_member(seeded, CertificateRequest.requester_member_id)
    cards = per_member(seeded, DigitalCard.member_id)
    letters = per_member(seeded, Letter.member_id)
    with session_scope(engine=seeded) as session:
        issued = session.exec(
            select(IssuedCertificate.request_id, IssuedCertificate.print_batch_date)
        ).all()
        replies = session.exec(
            select(Letter.id).where(Letter.direction == "in", Letter.reply_to_letter_id != None)  # noqa: E711
        ).all()
        enrolments = session.exec(select(BonusEnrolment.status)).all()
        evidence = session.exec(select(BonusEvidence.member_id, BonusEvidence.points)).all()

    assert len(smart) > 50
    assert all(accounts[member] == 1 for member in smart)
    assert 0.4 < sum(requests[member] for member in smart) / len(smart) < 1.3
    assert set(requests) <= set(smart) | set(accounts)  # only account holders ask in the app
    assert any(request_id is None for request_id, _ in issued)  # basic members, by post
    assert any(request_id is not None for request_id, _ in issued)
    assert 0.05 < len(cards) / len(smart) < 0.4 and max(cards.values()) <= 3
    assert 0.2 < len(letters) / len(smart) < 0.7
    assert 0 < len(replies) < sum(letters.values()) / 2
    assert "aktiv" in enrolments
    assert evidence and all(points > 0 for _member, points in evidence)


def test_personas_keep_the_state_their_tours_start_from(seeded):
    with session_scope(engine=seeded) as session:
        jonas = session.exec(select(Member.id).where(Member.first_name == "Jonas")).first()
        persona_rows = [
            session.exec(select(func.count()).select_from(table).where(column == jonas)).one()
            for table, column in (
                (CertificateRequest, CertificateRequest.requester_member_id),
                (DigitalCard, DigitalCard.member_id),
                (Letter, Letter.member_id),
            )
        ]

    assert persona_rows == [0, 0, 0]


def test_a_smart_member_without_a_household_gets_an_account_too(engine):
    seed_demo(engine, members=60)  # the personas' households are left out, not this one
    with session_scope(write=True, engine=engine) as session:
        loner = session.exec(
            select(Member).where(Member.service_level == "smart").order_by(Member.id.desc())
        ).first()
        loner.household_id = None
        session.add(loner)
        session.commit()
        loner_id = loner.id

    scale_seed.seed_member_accounts(engine, seed=3)

    assert per_member(engine, UserAccount.member_id)[loner_id] == 1


def test_no_letter_text_is_stored_in_plaintext_and_each_opens_for_a_clerk(seeded):
    clerk = sign_in(seeded, "sachbearbeitung").actor
    with session_scope(engine=seeded) as session:
        letter_id, member_id = session.exec(
            select(Letter.id, Letter.member_id).where(Letter.direction == "out")
        ).first()
        last_name = session.get(Member, member_id).last_name
        blobs = session.exec(
            select(EncryptedBlob.ciphertext).where(EncryptedBlob.owner_type == "letter")
        ).all()
        letter_count = session.exec(select(func.count()).select_from(Letter)).one()

    with session_scope(write=True, engine=seeded) as session:
        thread = letters.open_letter(session, actor=clerk, letter_id=letter_id)

    assert "Mit freundlichen Grüßen" in thread.text and last_name in thread.text
    assert len(blobs) == letter_count
    for needle in (b"freundlichen", last_name.encode(), b"Guten Tag"):
        assert not any(needle in ciphertext for ciphertext in blobs)
    with seeded.connect() as connection:
        for table in ("letter", "encrypted_blob"):
            dumped = " ".join(map(str, connection.execute(text(f"SELECT * FROM {table}")).all()))
            assert "freundlichen" not in dumped


def test_smarthealth_members_get_records_and_a_third_the_billing_data_they_asked_for(
    seeded_with_records,
):
    insurer, provider = seeded_with_records
    with session_scope(engine=insurer) as session:
        smarthealth = session.exec(
            select(Member.id).where(
                Member.service_level == "smarthealth", not_in_persona_household()
            )
        ).all()
        links = session.exec(select(HealthLink.member_id, HealthLink.reference_number)).all()
    with session_scope(engine=provider) as session:
        records = set(session.exec(select(RecordAccount.reference_number)).all())
        imports = session.exec(select(RecordImport.reference_number, RecordImport.entries)).all()
        entries = session.exec(select(RecordEntry.reference_number, RecordEntry.sealed)).all()

    assert len(smarthealth) > 5
    assert {member for member, _ in links} == set(smarthealth)
    assert {reference for _, reference in links} == records
    asked = {reference for reference, _ in imports}
    assert 0 < len(asked) < len(records)
    assert sum(count for _, count in imports) == len(entries) > 20 * len(asked)
    assert not any(b"Abrechnung" in sealed or b"Praxis" in sealed for _, sealed in entries)


def test_members_do_not_see_the_dashboard(seeded):
    lena = sign_in(seeded, "lena.basic").actor

    with session_scope(engine=seeded) as session, pytest.raises(NotAllowed):
        dashboard.dashboard(session, actor=lena)


def test_dashboard_reads_submissions_and_members_through_indexes_only():
    """On SQLite, EXPLAIN every dashboard query: no full scan of the two big tables."""
    engine = make_engine(fresh_database_url("sqlite"))
    seed_population(engine, SeedPlan(members=50, demo=True))
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    statements: list[tuple[str, tuple]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    admin = sign_in(engine, "admin").actor
    event.listen(engine, "before_cursor_execute", remember)
    with session_scope(engine=engine) as session:
        dashboard.dashboard(session, actor=admin)
    event.remove(engine, "before_cursor_execute", remember)

    full_scans = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            for row in plan:
                detail = row[-1]
                if detail in ("SCAN submission", "SCAN member") or detail.startswith(
                    ("SCAN submission USING INDEX", "SCAN member USING INDEX")
                ):
                    full_scans.append((detail, statement))
    engine.dispose()
    assert full_scans == []
    assert len(statements) >= 8


def test_the_seed_command_prints_each_step_with_its_rate(engine, capsys, monkeypatch):
    from core import __main__ as cli

    monkeypatch.setattr(cli, "get_engine", lambda: engine)
    monkeypatch.setattr(cli.migrate, "upgrade", lambda *args: None)

    assert cli.main(["seed", "--members", "40"]) == 0

    printed = capsys.readouterr().out
    assert "Mitglieder, Versicherungszeiten, Entgelte: 47 in" in printed
    assert "Dokumente (ohne Dateien): " in printed and "/s)." in printed
    for step in scale_seed.STEPS:
        assert f"{step.label}: " in printed
    with session_scope(engine=engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() > 200
