"""Digital insurance cards smart members requested after losing their health card.

Every seeded card has expired (FAQ: valid 14 days from the day of request); each keeps its
signed QR payload, from which the first download makes and stores its PDF
(core.digital_cards), and at most three cards fall into a calendar year (the FAQ allows four).
"""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Engine, exists
from sqlmodel import col

from core import crypto, digital_cards
from core.clock import to_berlin
from core.models.digital_cards import CardStatus, DigitalCard
from core.models.people import Member
from core.scale_seed.bulk import (
    MEMBER_CHUNK,
    Progress,
    bulk_transaction,
    count_members,
    member_chunks,
    not_in_persona_household,
)

CARD_SHARE = 0.2  # smart members who lost or broke their card in the last three years
CARDS_EACH = ((1, 2, 3), (70, 22, 8))
WINDOW_DAYS = 3 * 365
COLUMNS = (
    Member.id,
    Member.kvnr,
    Member.first_name,
    Member.last_name,
    Member.birth_date,
)


def smart_without_cards():
    return (
        col(Member.service_level).in_(["smart", "smarthealth"]),
        ~exists().where(DigitalCard.member_id == Member.id),
        not_in_persona_household(),
    )


def _card_rows(rng: random.Random, members: list[tuple], now: datetime) -> list[dict]:
    rows = []
    for member_id, *_ in members:
        if rng.random() >= CARD_SHARE:
            continue
        for _ in range(rng.choices(*CARDS_EACH)[0]):
            # Requested at least 15 days ago: expired today.
            days_ago = rng.uniform(digital_cards.VALID_DAYS + 1, WINDOW_DAYS)
            requested = now - timedelta(days=days_ago)
            valid_from = to_berlin(requested).date()
            rows.append(
                {
                    "member_id": member_id,
                    "requested_at": requested,
                    "valid_from": valid_from,
                    "valid_until": digital_cards.valid_until(valid_from),
                    "status": str(CardStatus.READY),
                    "payload": "",
                    "pdf_sha256": "",  # no PDF yet: made on first download
                    "idempotency_key": None,
                }
            )
    return rows


def _sign(rows: list[dict], ids: list[int], members: dict[int, tuple]) -> None:
    signing_key = digital_cards.configured_signing_key()
    for card_id, row in zip(ids, rows, strict=True):
        _, kvnr, first_name, last_name, birth_date = members[row["member_id"]]
        card = SimpleNamespace(id=card_id, **row)
        row["id"] = card_id
        member = SimpleNamespace(
            kvnr=kvnr, first_name=first_name, last_name=last_name, birth_date=birth_date
        )
        # The payload the card service signs (core.digital_cards), QR-checkable as issued.
        row["payload"] = crypto.sign_payload(
            fields=digital_cards._payload_fields(card, member), signing_key=signing_key
        )


def seed_digital_cards(
    engine: Engine, *, seed: int = 2026, progress: Progress | None = None
) -> int:
    """Expired digital cards for about a fifth of the smart members without any; rows inserted."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    now = datetime.now(UTC)
    conditions = smart_without_cards()
    total = count_members(engine, *conditions)
    done = inserted = 0
    for members in member_chunks(engine, COLUMNS, *conditions, size=MEMBER_CHUNK):
        rows = _card_rows(rng, members, now)
        with bulk_transaction(engine) as writer:
            _sign(
                rows,
                writer.reserve_ids(DigitalCard.__table__, len(rows)),
                {m[0]: m for m in members},
            )
            inserted += writer.insert(DigitalCard.__table__, rows)
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
