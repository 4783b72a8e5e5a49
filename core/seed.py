"""Synthetic, realistic German demo data (Faker de_DE). Never real people.

Names, streets and towns come from pools that Faker fills once per run, so seeding
600,000 members stays a matter of bulk inserts rather than a million Faker calls.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import Engine, insert
from sqlmodel import Session, func, select

from core import auth, benefits
from core.bulk_writes import bulk_transaction
from core.clock import utcnow
from core.db import session_scope
from core.history_seed import HistoryFactory, Person, birthday, company_pool
from core.identity import devices
from core.kvnr import make_kvnr
from core.models.accounts import Role, UserAccount
from core.models.histories import Earning, InsurancePeriod
from core.models.identity import Identification
from core.models.people import Member, ServiceLevel
from core.text_search import fold

DEMO_PASSWORD = "hek-demo-2026"  # noqa: S105  (public demo password, listed in the README)
# App PIN of the device seeded for each smart persona (the device gate after login).
DEMO_APP_PIN = "123456"
# How each smart persona was identified (FAQ: only eID lets smarthealth be activated).
DEMO_IDENTIFICATIONS = {"jonas.smart": "eid", "miriam.health": "eid", "deniz.familie": "robo"}
CHUNK = 5000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoPersona:
    username: str
    role: Role
    display_name: str
    description: str
    kvnr_body: str | None = None  # a letter and eight digits; the check digit is computed

    @property
    def kvnr(self) -> str | None:
        return make_kvnr(self.kvnr_body) if self.kvnr_body else None


DEMO_PERSONAS: tuple[DemoPersona, ...] = (
    DemoPersona("lena.basic", Role.MEMBER, "Lena Berger", "Mitglied, basic", "B10000000"),
    DemoPersona("jonas.smart", Role.MEMBER, "Jonas Albrecht", "Mitglied, smart", "J20000000"),
    DemoPersona(
        "miriam.health", Role.MEMBER, "Miriam Schulte", "Mitglied, smarthealth", "M30000000"
    ),
    DemoPersona(
        "deniz.familie", Role.MEMBER, "Deniz Yilmaz", "Mitglied mit Familie, smart", "Y40000000"
    ),
    DemoPersona("sachbearbeitung", Role.CLERK, "Sabine Krüger", "Sachbearbeiterin"),
    DemoPersona("sachbearbeitung2", Role.CLERK, "Tobias Lange", "Sachbearbeiter"),
    DemoPersona("admin", Role.ADMIN, "Paula Hoffmann", "Produktverantwortliche (Admin)"),
)


@dataclass(frozen=True)
class SeedReport:
    members: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.members / self.seconds if self.seconds else 0.0


class _Pools:
    def __init__(self, rng: random.Random) -> None:
        fake = Faker("de_DE")
        fake.seed_instance(rng.randrange(2**32))
        self.female = [fake.first_name_female() for _ in range(800)]
        self.male = [fake.first_name_male() for _ in range(800)]
        self.last = [fake.last_name() for _ in range(1500)]
        self.streets = [fake.street_name() for _ in range(1500)]
        self.towns = [(fake.postcode(), fake.city()) for _ in range(1200)]
        self.mail_hosts = ["example.org", "example.com", "example.net"]
        # The members' search columns, folded once per name: COPY bypasses the column default.
        self.folded = {name: fold(name) for name in (*self.female, *self.male, *self.last)}


def _random_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class _MemberFactory:
    def __init__(self, rng: random.Random, today: date, used_kvnrs: set[str]) -> None:
        self.rng = rng
        self.today = today
        self.pools = _Pools(rng)
        self.used = used_kvnrs

    def kvnr(self) -> str:
        while True:
            body = chr(65 + self.rng.randrange(26)) + f"{self.rng.randrange(10**8):08d}"
            candidate = make_kvnr(body)
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def person(
        self, *, last_name: str, address: tuple[str, str, str], birth: date, household: int
    ) -> dict:
        rng = self.rng
        first = rng.choice(self.pools.female if rng.random() < 0.5 else self.pools.male)
        adult_since = (
            birth.replace(year=birth.year + 18)
            if not (birth.month == 2 and birth.day == 29)
            else date(birth.year + 18, 3, 1)
        )
        if adult_since > self.today:
            start = birth
        else:
            start = _random_date(
                rng, max(adult_since, date(1995, 1, 1)), self.today - timedelta(days=30)
            )
        end = None
        if rng.random() < 0.03 and start < self.today - timedelta(days=400):
            end = _random_date(
                rng, self.today - timedelta(days=700), self.today - timedelta(days=1)
            )
            end = max(end, start + timedelta(days=1))
        level = ServiceLevel.BASIC
        if adult_since <= self.today:
            roll = rng.random()
            level = (
                ServiceLevel.SMARTHEALTH
                if roll < 0.08
                else ServiceLevel.SMART
                if roll < 0.38
                else level
            )
        smart = level != ServiceLevel.BASIC
        return {
            "kvnr": self.kvnr(),
            "first_name": first,
            "last_name": last_name,
            "first_name_search": self.pools.folded[first],
            "last_name_search": self.pools.folded[last_name],
            "birth_date": birth,
            "street": address[0],
            "postal_code": address[1],
            "city": address[2],
            "email": f"{first}.{last_name}@{rng.choice(self.pools.mail_hosts)}".lower().replace(
                " ", ""
            )
            if smart
            else None,
            "phone": f"+49 1{rng.randrange(50, 80)} {rng.randrange(10**6, 10**8)}"
            if smart
            else None,
            "membership_start": start,
            "membership_end": end,
            "service_level": str(level),
            "household_id": household,
        }

    def household(self, household: int) -> list[dict]:
        rng = self.rng
        size = rng.choices([1, 2, 3, 4, 5], weights=[40, 30, 15, 10, 5])[0]
        last_name = rng.choice(self.pools.last)
        postcode, town = rng.choice(self.pools.towns)
        address = (f"{rng.choice(self.pools.streets)} {rng.randrange(1, 180)}", postcode, town)
        head_age = rng.randrange(18, 96) if size == 1 else rng.randrange(22, 70)
        head_birth = _random_date(
            rng,
            birthday(self.today, -head_age - 1),
            birthday(self.today, -head_age) - timedelta(days=1),
        )
        people = [
            self.person(last_name=last_name, address=address, birth=head_birth, household=household)
        ]
        if size >= 2:
            partner_birth = head_birth + timedelta(days=rng.randrange(-2500, 2500))
            people.append(
                self.person(
                    last_name=last_name,
                    address=address,
                    birth=min(partner_birth, self.today - timedelta(days=18 * 366)),
                    household=household,
                )
            )
        for _ in range(size - 2):
            earliest = max(
                birthday(head_birth, 18),
                birthday(self.today, -25),
            )
            child_birth = _random_date(rng, earliest, self.today - timedelta(days=1))
            people.append(
                self.person(
                    last_name=last_name, address=address, birth=child_birth, household=household
                )
            )
        return people


def _next_household(session: Session) -> int:
    return (session.exec(select(func.max(Member.household_id))).one() or 0) + 1


def seed_members(
    engine: Engine,
    *,
    count: int,
    seed: int = 2026,
    today: date | None = None,
    progress: Progress | None = None,
) -> SeedReport:
    """Insert `count` synthetic members in households, in bulk chunks."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with session_scope(engine=engine) as session:
        used = set(session.exec(select(Member.kvnr)).all())
        household = _next_household(session)
    factory = _MemberFactory(rng, today or date.today(), used)
    inserted = 0
    while inserted < count:
        batch: list[dict] = []
        while len(batch) < min(CHUNK, count - inserted):
            people = factory.household(household)
            household += 1
            batch.extend(people[: count - inserted - len(batch)])
        # COPY / executemany on the raw cursor (SQLAlchemy's per-row parameter processing
        # cost more than the database); ids reserved first, so histories can name them.
        with bulk_transaction(engine) as writer:
            new_ids = writer.reserve_ids(Member.__table__, len(batch))
            for row, member_id in zip(batch, new_ids, strict=True):
                row["id"] = member_id
            writer.insert(Member.__table__, batch)
        seed_histories(engine, member_ids=new_ids, seed=rng.randrange(2**32), today=factory.today)
        inserted += len(batch)
        if progress:
            progress(inserted, count)
    return SeedReport(members=inserted, seconds=time.perf_counter() - started)


def _persona_members(today: date, household: int) -> list[dict]:
    base = {
        "street": "Musterweg 12",
        "postal_code": "20095",
        "city": "Hamburg",
        "membership_end": None,
    }
    rows = [
        {
            **base,
            "kvnr": make_kvnr("B10000000"),
            "first_name": "Lena",
            "last_name": "Berger",
            "birth_date": date(1991, 4, 17),
            "membership_start": date(2015, 1, 1),
            "service_level": "basic",
            "street": "Lindenallee 3",
            "household_id": household,
        },
        {
            **base,
            "kvnr": make_kvnr("J20000000"),
            "first_name": "Jonas",
            "last_name": "Albrecht",
            "birth_date": date(1986, 9, 2),
            "membership_start": date(2008, 10, 1),
            "service_level": "smart",
            "street": "Hafenstraße 41",
            "email": "jonas.albrecht@example.org",
            "phone": "+49 151 2345678",
            "household_id": household + 1,
        },
        {
            **base,
            "kvnr": make_kvnr("M30000000"),
            "first_name": "Miriam",
            "last_name": "Schulte",
            "birth_date": date(1979, 2, 28),
            "membership_start": date(2001, 4, 1),
            "service_level": "smarthealth",
            "street": "Elbchaussee 200",
            "email": "miriam.schulte@example.org",
            "phone": "+49 160 9876543",
            "household_id": household + 2,
        },
    ]
    family = {
        **base,
        "last_name": "Yilmaz",
        "street": "Wandsbeker Chaussee 77",
        "postal_code": "22089",
        "household_id": household + 3,
    }
    rows += [
        {
            **family,
            "kvnr": make_kvnr("Y40000000"),
            "first_name": "Deniz",
            "birth_date": date(1983, 6, 5),
            "membership_start": date(2006, 1, 1),
            "service_level": "smart",
            "email": "deniz.yilmaz@example.org",
            "phone": "+49 170 5550123",
        },
        {
            **family,
            "kvnr": make_kvnr("Y40000001"),
            "first_name": "Aylin",
            "birth_date": date(1985, 11, 20),
            "membership_start": date(2007, 3, 1),
            "service_level": "basic",
        },
        {
            **family,
            "kvnr": make_kvnr("Y40000002"),
            "first_name": "Emre",
            "birth_date": date(2012, 8, 14),
            "membership_start": date(2012, 8, 14),
            "service_level": "basic",
        },
        {
            **family,
            "kvnr": make_kvnr("Y40000003"),
            "first_name": "Selin",
            "birth_date": date(today.year - 17, 2, 28),
            "membership_start": date(today.year - 17, 2, 28),
            "service_level": "basic",
        },
    ]
    return rows


def seed_demo(
    engine: Engine, *, members: int = 200, progress: Progress | None = None
) -> SeedReport:
    """The demo personas with their accounts, then `members` synthetic members."""
    started = time.perf_counter()
    today = date.today()
    with session_scope(write=True, engine=engine) as session:
        household = _next_household(session)
        persona_rows = _persona_members(today, household)
        persona_ids = session.scalars(insert(Member).returning(Member.id), persona_rows).all()
        shared_hash = auth.hash_password(DEMO_PASSWORD)
        for persona in DEMO_PERSONAS:
            member_id = None
            if persona.kvnr:
                member_id = session.exec(select(Member.id).where(Member.kvnr == persona.kvnr)).one()
            auth.create_account(
                session,
                username=persona.username,
                password=DEMO_PASSWORD,
                role=persona.role,
                display_name=persona.display_name,
                member_id=member_id,
                password_hash=shared_hash,
            )
        _seed_persona_identities(session)
        session.commit()
    seed_histories(engine, member_ids=persona_ids, today=today, rich=True)
    with session_scope(write=True, engine=engine) as session:
        benefits.seed_catalogue(session)  # the Leistungsüberblick's first text
    report = seed_members(engine, count=members, progress=progress)
    return SeedReport(members=report.members + 7, seconds=time.perf_counter() - started)


def _seed_persona_identities(session: Session) -> None:
    """Each smart persona: a succeeded identification and one device with the demo app PIN."""
    now = utcnow()
    pin_hash = devices.hash_app_pin(DEMO_APP_PIN)
    for username, procedure in DEMO_IDENTIFICATIONS.items():
        account = session.exec(select(UserAccount).where(UserAccount.username == username)).one()
        session.add(
            Identification(
                member_id=account.member_id,
                procedure=procedure,
                purpose="upgrade",
                status="succeeded",
                level_reached="smarthealth_ready" if procedure == "eid" else "smart",
                steps_done=3,
                started_at=now,
                completed_at=now,
                used_at=now,
            )
        )
        devices.add_device(session, user_id=account.id, name="Demo-Smartphone", pin_hash=pin_hash)


@dataclass(frozen=True)
class HistoryReport:
    members: int
    periods: int
    earnings: int
    seconds: float


def _without_history(engine: Engine, member_ids: list[int] | None) -> list[int]:
    """The given members (or all) that have no insurance period yet: seeding twice is harmless."""
    with session_scope(engine=engine) as session:
        if member_ids is None:
            covered = select(InsurancePeriod.member_id).distinct()
            statement = select(Member.id).where(Member.id.not_in(covered)).order_by(Member.id)
            return list(session.exec(statement).all())
        wanted = sorted(set(member_ids))
        pending: list[int] = []
        for offset in range(0, len(wanted), CHUNK):
            chunk = wanted[offset : offset + CHUNK]
            covered = set(
                session.exec(
                    select(InsurancePeriod.member_id)
                    .where(InsurancePeriod.member_id.in_(chunk))
                    .distinct()
                ).all()
            )
            pending += [member_id for member_id in chunk if member_id not in covered]
        return pending


def seed_histories(
    engine: Engine,
    *,
    member_ids: list[int] | None = None,
    progress: Progress | None = None,
    seed: int = 2026,
    today: date | None = None,
    rich: bool = False,
) -> HistoryReport:
    """Insurance periods and earnings for members without any (all, or those of `member_ids`).

    `rich` gives every life course studies, several jobs and a spell of unemployment (the demo
    personas); bulk inserts in chunks, like the members themselves.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    factory = HistoryFactory(rng, today or date.today(), company_pool(rng))
    pending = _without_history(engine, member_ids)
    periods_total = earnings_total = 0
    for offset in range(0, len(pending), CHUNK):
        chunk = pending[offset : offset + CHUNK]
        with session_scope(engine=engine) as session:
            people = session.exec(
                select(Member.id, Member.birth_date, Member.membership_start, Member.membership_end)
                .where(Member.id.in_(chunk))
                .order_by(Member.id)
            ).all()
        periods: list[dict] = []
        earnings: list[dict] = []
        for row in people:
            member_periods, member_earnings = factory.history(Person(*row), rich=rich)
            periods += member_periods
            earnings += member_earnings
        with bulk_transaction(engine) as writer:
            writer.insert(InsurancePeriod.__table__, periods)
            writer.insert(Earning.__table__, earnings)
        periods_total += len(periods)
        earnings_total += len(earnings)
        if progress:
            progress(offset + len(chunk), len(pending))
    return HistoryReport(
        members=len(pending),
        periods=periods_total,
        earnings=earnings_total,
        seconds=time.perf_counter() - started,
    )


def database_is_empty(engine: Engine) -> bool:
    with session_scope(engine=engine) as session:
        return session.exec(select(func.count()).select_from(UserAccount)).one() == 0
