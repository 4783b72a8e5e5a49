"""Synthetic billing data of one member, as the HEK would hold it from practices and pharmacies.

Never real people or real claims. Each quarter is drawn from its own seed (member, year,
quarter), so the same member always has the same history, whatever window is asked for.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from core.health.entries import Category
from core.health.rules import add_months


class DataKind(StrEnum):
    DOCTOR = "doctor"  # FAQ: "Arztdaten (inklusive Impfdaten)"
    DENTIST = "dentist"
    MEDICATION = "medication"


KIND_LABELS = {
    DataKind.DOCTOR: "Arztdaten (inklusive Impfdaten)",
    DataKind.DENTIST: "Zahnarztdaten",
    DataKind.MEDICATION: "Medikamentendaten",
}

PRACTICES = [
    ("Hausarztpraxis Dr. Meyer", "Allgemeinmedizin"),
    ("Praxis Dr. Hansen", "Innere Medizin"),
    ("Orthopädie am Markt", "Orthopädie"),
    ("HNO-Praxis Dr. Petersen", "Hals-Nasen-Ohren-Heilkunde"),
    ("Hautarztpraxis Dr. Voss", "Dermatologie"),
    ("Augenarztpraxis Dr. Lüders", "Augenheilkunde"),
    ("Frauenarztpraxis Dr. Claußen", "Gynäkologie"),
]
DENTISTS = ["Zahnarztpraxis Dr. Brandt", "Zahnmedizin an der Alster", "Zahnarztpraxis Dr. Kaya"]
DIAGNOSES = [
    "J06.9 Akute Infektion der oberen Atemwege",
    "M54.5 Kreuzschmerz",
    "I10.90 Essentielle Hypertonie",
    "E78.0 Reine Hypercholesterinämie",
    "K29.7 Gastritis, nicht näher bezeichnet",
    "M17.1 Gonarthrose",
    "H52.1 Myopie",
    "L20.8 Atopisches Ekzem",
    "J30.1 Allergische Rhinopathie durch Pollen",
    "R51 Kopfschmerz",
    "F43.2 Anpassungsstörung",
    "E11.9 Diabetes mellitus Typ 2 ohne Komplikationen",
]
DENTAL = [
    ("Kontrolluntersuchung", "01"),
    ("Zahnsteinentfernung", "107"),
    ("Füllung, zweiflächig", "13b"),
    ("Röntgenaufnahme", "Ä925a"),
    ("Wurzelkanalbehandlung", "32"),
]
DRUGS = [
    ("Ramipril 5 mg, 98 Tabletten", "04102305"),
    ("Metoprololsuccinat 47,5 mg, 100 Retardtabletten", "01537046"),
    ("Simvastatin 20 mg, 100 Filmtabletten", "01687939"),
    ("Metformin 1000 mg, 180 Filmtabletten", "02020842"),
    ("L-Thyroxin 75 µg, 100 Tabletten", "02528626"),
    ("Pantoprazol 20 mg, 60 magensaftresistente Tabletten", "01804016"),
    ("Ibuprofen 600 mg, 20 Filmtabletten", "02315011"),
    ("Amoxicillin 1000 mg, 20 Filmtabletten", "03930512"),
    ("Cetirizin 10 mg, 50 Filmtabletten", "01580309"),
    ("Salbutamol Dosieraerosol, 200 Hübe", "04982811"),
]
VACCINES = [
    ("Influenza (saisonal)", "Grippeschutzimpfung"),
    ("Tetanus, Diphtherie, Pertussis (Tdap)", "Auffrischimpfung"),
    ("Pneumokokken", "Standardimpfung ab 60"),
    ("FSME", "Reiseimpfung"),
]
CHECKUPS = [
    "Gesundheits-Check-up",
    "Hautkrebs-Screening",
    "Krebsfrüherkennung",
    "Darmkrebsvorsorge",
]


@dataclass(frozen=True)
class BillingItem:
    kind: DataKind
    category: Category
    on: date
    title: str
    details: dict[str, str] = field(default_factory=dict)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


class _Quarter:
    def __init__(self, member_id: int, birth: date, start: date) -> None:
        self.rng = random.Random(f"{member_id}:{start.isoformat()}")  # noqa: S311 (synthetic)
        profile = random.Random(f"{member_id}:profile")  # noqa: S311
        self.practices = profile.sample(PRACTICES, 3)
        self.dentist = profile.choice(DENTISTS)
        self.chronic = profile.sample(DRUGS[:6], profile.randrange(0, 3))
        self.start = start
        self.age = start.year - birth.year
        self.items: list[BillingItem] = []

    def day(self) -> date:
        return self.start + timedelta(days=self.rng.randrange(90))

    def end(self) -> date:
        month = self.start.month + 2
        return date(self.start.year, month, 31 if month in (3, 12) else 30)

    def add(self, kind, category, on, title, **details) -> None:
        self.items.append(BillingItem(kind, category, on, title, details))

    def doctor(self) -> None:
        rng, billed = self.rng, {}
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            practice, speciality = rng.choice(self.practices)
            diagnosis = rng.choice(DIAGNOSES)
            self.add(
                DataKind.DOCTOR,
                Category.APPOINTMENT,
                self.day(),
                practice,
                Fachrichtung=speciality,
                Diagnose=diagnosis,
            )
            billed[practice] = billed.get(practice, 0) + rng.randrange(1800, 9500)
        if self.start.month == 10 and rng.random() < (0.8 if self.age >= 60 else 0.45):
            self.add(
                DataKind.DOCTOR,
                Category.VACCINATION,
                self.day(),
                VACCINES[0][0],
                Anlass=VACCINES[0][1],
                Praxis=self.practices[0][0],
            )
        if rng.random() < 0.05:
            vaccine, reason = rng.choice(VACCINES[1:])
            self.add(
                DataKind.DOCTOR,
                Category.VACCINATION,
                self.day(),
                vaccine,
                Anlass=reason,
                Praxis=self.practices[0][0],
            )
        if self.age >= 35 and rng.random() < 0.15:
            self.add(
                DataKind.DOCTOR,
                Category.CHECKUP,
                self.day(),
                rng.choice(CHECKUPS),
                Praxis=self.practices[0][0],
            )
        for practice, cents in billed.items():
            self.add(
                DataKind.DOCTOR,
                Category.BILLING,
                self.end(),
                f"Abrechnung {practice}",
                Betrag=_euro(cents),
                Quartal=f"{(self.start.month + 2) // 3}/{self.start.year}",
            )

    def dentist_visits(self) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            treatment, number = rng.choice(DENTAL)
            self.add(
                DataKind.DENTIST,
                Category.APPOINTMENT,
                self.day(),
                self.dentist,
                Leistung=treatment,
                Gebührennummer=number,
            )
            self.add(
                DataKind.DENTIST,
                Category.BILLING,
                self.end(),
                f"Abrechnung {self.dentist}",
                Betrag=_euro(rng.randrange(2500, 24000)),
                Quartal=f"{(self.start.month + 2) // 3}/{self.start.year}",
            )

    def medication(self) -> None:
        rng = self.rng
        drugs = list(self.chronic) + ([rng.choice(DRUGS[6:])] if rng.random() < 0.4 else [])
        for name, pzn in drugs:
            self.add(
                DataKind.MEDICATION,
                Category.MEDICATION,
                self.day(),
                name,
                PZN=pzn,
                Verordnung=self.practices[0][0],
            )


def synthetic_billing(*, member_id: int, birth: date, start: date, end: date) -> list[BillingItem]:
    """Every item of the member dated within [start, end], oldest first."""
    items: list[BillingItem] = []
    quarter = quarter_start(start)
    while quarter <= end:
        drawn = _Quarter(member_id, birth, quarter)
        drawn.doctor()
        drawn.dentist_visits()
        drawn.medication()
        items += [item for item in drawn.items if start <= item.on <= end]
        quarter = add_months(quarter, 3)
    return sorted(items, key=lambda item: item.on)
