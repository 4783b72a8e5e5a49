"""Letters from the HEK to smart members, and the replies some of them wrote in the app.

Texts come from the clerks' templates (core.letter_templates) filled for each member. Like
every letter body, each is sealed into `encrypted_blob` under its own data key with the
letter's id in the associated data (core.blobs.sealed_blob_rows): no plaintext at rest.
Into the app's Postfach with App-Kommunikation on, else by post (FAQ). No PDF and no
signature yet: the first opening renders, signs and stores them (core.letters.reading).
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, exists
from sqlmodel import col, select

from core import blobs, bonus
from core.clock import to_berlin
from core.letter_templates import fill, letter_templates, placeholder_values, placeholders_in
from core.letters import BODY_OWNER
from core.models.accounts import UserAccount
from core.models.blobs import EncryptedBlob
from core.models.documents import Submission
from core.models.letters import Letter
from core.models.people import Member
from core.models.preferences import MemberPreference
from core.scale_seed.bulk import (
    MEMBER_CHUNK,
    Progress,
    bulk_transaction,
    count_members,
    member_chunks,
    not_in_persona_household,
)
from core.scale_seed.documents import QUERY_MESSAGES, clerk_ids

LETTER_SHARE = 0.45  # smart members who got at least one letter in four years
LETTERS_EACH = ((1, 2, 3), (65, 25, 10))
WINDOW_SECONDS = 4 * 365 * 86_400
READ_SHARE, REPLY_SHARE = 0.85, 0.2  # of app letters; replies only to letters read
TEMPLATE_WEIGHTS = {"rueckfrage_einreichung": 50, "bestaetigung_mitgliedschaft": 25}
REPLIES = (
    "Vielen Dank für Ihre Nachricht. Die fehlenden Unterlagen habe ich heute nachgereicht.",
    "Können Sie mir bitte sagen, bis wann ich die Unterlagen einreichen muss?",
    "Danke für die Bestätigung, das hat mir sehr geholfen.",
    "Ich habe den Nachweis gerade als Foto über die App geschickt.",
)
COLUMNS = (
    Member.id,
    Member.kvnr,
    Member.first_name,
    Member.last_name,
    select(UserAccount.id).where(UserAccount.member_id == Member.id).limit(1).scalar_subquery(),
    select(MemberPreference.app_communication)
    .where(MemberPreference.member_id == Member.id)
    .scalar_subquery(),
    select(Submission.tracking_id)
    .where(Submission.member_id == Member.id)
    .order_by(col(Submission.created_at).desc())
    .limit(1)
    .scalar_subquery(),
)


def smart_without_letters():
    return (
        col(Member.service_level).in_(["smart", "smarthealth"]),
        exists().where(UserAccount.member_id == Member.id),
        ~exists().where(Letter.member_id == Member.id),
        not_in_persona_household(),
    )


class LetterFactory:
    def __init__(self, rng: random.Random, *, now: datetime, clerks: list[int]) -> None:
        self.rng = rng
        self.now = now.timestamp()
        self.clerks = clerks
        self.templates = letter_templates()
        weights = {**TEMPLATE_WEIGHTS, "bonus_nachweis_fehlt": 25}
        self.keys = [key for key in weights if key in self.templates]
        self.weights = [weights[key] for key in self.keys]
        self.bonus_titles = [entry.title for entry in bonus.categories()]
        self.letters: list[dict] = []  # out first, then the replies (they point back)
        self.replies: list[dict] = []
        self.bodies: list[str] = []  # parallel to letters + replies

    def for_member(self, member: tuple) -> None:
        member_id, kvnr, first_name, last_name, account_id, app, tracking_id = member
        rng = self.rng
        if rng.random() >= LETTER_SHARE:
            return
        for _ in range(rng.choices(*LETTERS_EACH)[0]):
            template = self.templates[rng.choices(self.keys, weights=self.weights)[0]]
            if "tracking_id" in placeholders_in(template.body) and not tracking_id:
                template = self.templates["bestaetigung_mitgliedschaft"]
            created = self.now - WINDOW_SECONDS * rng.random() ** 0.8
            created_at = datetime.fromtimestamp(created, UTC)
            values = placeholder_values(
                first_name=first_name,
                last_name=last_name,
                kvnr=kvnr,
                today=to_berlin(created_at).date(),
                tracking_id=tracking_id,
            )
            body = (
                fill(template.body, values)
                .replace("[bitte ergänzen]", rng.choice(QUERY_MESSAGES))
                .replace("[bitte Kategorie ergänzen]", rng.choice(self.bonus_titles))
            )
            read_at = None
            if app and rng.random() < READ_SHARE:
                read_at = min(created + rng.lognormvariate(10.0, 1.2), self.now)
            index = len(self.letters)
            self.letters.append(
                {
                    "member_id": member_id,
                    "direction": "out",
                    "channel": "app" if app else "post",
                    "reply_to_letter_id": None,
                    "template_key": template.key,
                    "subject": template.subject,
                    "author_user_id": rng.choice(self.clerks),
                    "created_at": created_at,
                    "read_at": self._moment(read_at),
                }
            )
            self.bodies.append(body)
            if read_at is not None and rng.random() < REPLY_SHARE:
                self._reply(index, member_id, account_id, template.subject, read_at)

    def _reply(self, index: int, member_id: int, account_id: int, subject: str, read: float):
        rng = self.rng
        created = min(read + rng.uniform(300, 72 * 3600), self.now)
        seen = created + rng.lognormvariate(10.5, 1.0)  # a clerk opens the reply
        self.replies.append(
            {
                "member_id": member_id,
                "direction": "in",
                "channel": "app",
                "reply_to_letter_id": index,  # the letter's index until ids are reserved
                "template_key": None,
                "subject": f"AW: {subject}"[:200],
                "author_user_id": account_id,
                "created_at": datetime.fromtimestamp(created, UTC),
                "read_at": self._moment(seen if seen < self.now else None),
            }
        )

    def _moment(self, timestamp: float | None) -> datetime | None:
        return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)

    def rows(self, letter_ids: list[int], blob_ids: list[int]) -> tuple[list, list[dict]]:
        """(blob rows, letter rows) with ids in place; every body sealed to its letter."""
        bodies = self.bodies + [self.rng.choice(REPLIES) for _ in self.replies]
        letters = self.letters + self.replies
        for letter_id, blob_id, row in zip(letter_ids, blob_ids, letters, strict=True):
            row["id"], row["body_blob_id"] = letter_id, blob_id
        for row in self.replies:
            row["reply_to_letter_id"] = letter_ids[row["reply_to_letter_id"]]
        sealed = blobs.sealed_blob_rows(
            blob_ids=blob_ids,
            owner_type=BODY_OWNER,
            owner_ids=letter_ids,
            plaintexts=[body.encode() for body in bodies],
            created_at=[row["created_at"] for row in letters],
        )
        return sealed, letters


def seed_letters(engine: Engine, *, seed: int = 2026, progress: Progress | None = None) -> int:
    """Letters and replies for smart members with an account and none yet; rows inserted
    (letters and their sealed bodies)."""
    clerks = clerk_ids(engine)
    if not clerks:  # a letter names the clerk who wrote it
        return 0
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    now = datetime.now(UTC) - timedelta(minutes=1)
    conditions = smart_without_letters()
    total = count_members(engine, *conditions)
    done = inserted = 0
    for members in member_chunks(engine, COLUMNS, *conditions, size=MEMBER_CHUNK):
        factory = LetterFactory(rng, now=now, clerks=clerks)
        for member in members:
            factory.for_member(member)
        count = len(factory.letters) + len(factory.replies)
        with bulk_transaction(engine) as writer:
            sealed, letters = factory.rows(
                writer.reserve_ids(Letter.__table__, count),
                writer.reserve_ids(EncryptedBlob.__table__, count),
            )
            inserted += writer.insert(EncryptedBlob.__table__, sealed)
            inserted += writer.insert(Letter.__table__, letters[: len(factory.letters)])
            inserted += writer.insert(Letter.__table__, letters[len(factory.letters) :])
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
