"""smarthealth records of the smarthealth members, with the billing data they asked the HEK for.

As activation does (core.health.activation): a security key per member, its X25519 key pair,
the record in the provider's database and the insurer's link row (name, KVNR, reference
number only). About a third of them then used "Daten bei der HEK anfordern": the billing data
the HEK may send at that day (core.health.hek_import: limitation periods, 6-9 months of
billing delay), each entry sealed to the record's public key. The security keys are thrown
away: nobody can open a seeded record, exactly as nobody but its member could.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, exists

from core import crypto
from core.clock import to_berlin
from core.health import keys
from core.health import migrate as health_migrate
from core.health.billing_data import DataKind, synthetic_billing
from core.health.entries import entry_payload
from core.health.hek_import import billing_cutoff, importable, retention_start
from core.health.models import RecordAccount, RecordEntry, RecordImport
from core.identifiers import new_pseudonym
from core.models.health_link import HealthLink
from core.models.people import Member
from core.scale_seed.bulk import (
    Progress,
    bulk_transaction,
    count_members,
    member_chunks,
    not_in_persona_household,
)

MEMBER_CHUNK = 500  # each requesting member brings about sixty sealed entries
ACTIVATED_WITHIN_DAYS = 3 * 365
REQUEST_SHARE = 0.35  # of the records: asked the HEK for their data at least once
KIND_SHARES = {DataKind.DOCTOR: 0.85, DataKind.DENTIST: 0.5, DataKind.MEDICATION: 0.7}
COLUMNS = (Member.id, Member.first_name, Member.last_name, Member.kvnr, Member.birth_date)


def smarthealth_without_record():
    return (
        Member.service_level == "smarthealth",
        ~exists().where(HealthLink.member_id == Member.id),
        not_in_persona_household(),
    )


class RecordFactory:
    def __init__(self, rng: random.Random, *, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.accounts: list[dict] = []
        self.entries: list[dict] = []
        self.imports: list[dict] = []
        self.links: list[dict] = []

    def for_member(self, member: tuple) -> None:
        member_id, first_name, last_name, kvnr, birth_date = member
        rng = self.rng
        key = crypto.new_security_key()
        public_key = crypto.derive_member_keypair(key).public_bytes
        reference = new_pseudonym()
        activated = self.now - timedelta(days=ACTIVATED_WITHIN_DAYS * rng.random())
        account = {
            "reference_number": reference,
            "public_key": public_key,
            "sealed_security_key": keys.seal_security_key(
                key, public_key=public_key, reference=reference
            ),
            "created_at": activated,
            "last_access_at": activated + (self.now - activated) * rng.random(),
            "used_bytes": 0,
        }
        self.accounts.append(account)
        self.links.append(
            {
                "member_id": member_id,
                "reference_number": reference,
                "activated_at": activated,
                "terminated_at": None,
                "first_name": first_name,
                "last_name": last_name,
                "kvnr": kvnr,
            }
        )
        if rng.random() < REQUEST_SHARE:
            requested = activated + (self.now - activated) * rng.random() ** 3  # soon after
            kinds = [kind for kind, share in KIND_SHARES.items() if rng.random() < share]
            account["used_bytes"] = self._import(
                member_id, birth_date, reference, public_key, requested, kinds
            )
            account["last_access_at"] = max(account["last_access_at"], requested)

    def _import(self, member_id, birth_date, reference, public_key, requested, kinds) -> int:
        """The import job's rows for one request; the ciphertext bytes it adds."""
        day = to_berlin(requested).date()
        start = min(retention_start(kind, day) for kind in DataKind)
        items = synthetic_billing(
            member_id=member_id, birth=birth_date, start=start, end=billing_cutoff(day)
        )
        used = 0
        for kind in kinds:
            chosen = [item for item in items if item.kind == kind and importable(item, today=day)]
            entry_ids = [keys.new_entry_id() for _ in chosen]
            # One seal per entry, each to the record's key; the batch parses that key once.
            sealed_entries = keys.seal_json_many(
                [
                    (
                        entry_payload(item.category, item.on, item.title, "", "hek", item.details),
                        keys.entry_context(reference, entry_id),
                    )
                    for item, entry_id in zip(chosen, entry_ids, strict=True)
                ],
                public_key=public_key,
            )
            for item, entry_id, sealed in zip(chosen, entry_ids, sealed_entries, strict=True):
                used += len(sealed)
                self.entries.append(
                    {
                        "id": entry_id,
                        "reference_number": reference,
                        "category": str(item.category),
                        "sealed": sealed,
                        "size": len(sealed),
                        "created_at": requested,
                    }
                )
            self.imports.append(
                {
                    "reference_number": reference,
                    "kind": str(kind),
                    "requested_at": requested,
                    "covered_until": billing_cutoff(day),
                    "entries": len(chosen),
                }
            )
        return used


def seed_health_records(
    engine: Engine,
    *,
    health_engine: Engine,
    seed: int = 2026,
    progress: Progress | None = None,
) -> int:
    """A record (and billing data for about a third) per smarthealth member without a link.

    Provider rows are written first, then the insurer's link rows, as activation does.
    """
    health_migrate.upgrade(health_engine)
    rng = random.Random(seed)  # noqa: S311  (synthetic data; keys come from os.urandom)
    now = datetime.now(UTC) - timedelta(minutes=1)
    conditions = smarthealth_without_record()
    total = count_members(engine, *conditions)
    done = inserted = 0
    for members in member_chunks(engine, COLUMNS, *conditions, size=MEMBER_CHUNK):
        factory = RecordFactory(rng, now=now)
        for member in members:
            factory.for_member(member)
        with bulk_transaction(health_engine) as writer:
            inserted += writer.insert(RecordAccount.__table__, factory.accounts)
            inserted += writer.insert(RecordEntry.__table__, factory.entries)
            inserted += writer.insert(RecordImport.__table__, factory.imports)
        with bulk_transaction(engine) as writer:
            inserted += writer.insert(HealthLink.__table__, factory.links)
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
