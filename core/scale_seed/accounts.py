"""App accounts of smart members and their App-Kommunikation setting.

Certificates, letters and replies name the account that asked or wrote, so the smart
members get accounts first. The username is the KVNR; all of them share one bcrypt hash
of a random password that is thrown away: nobody signs in as a seeded member (the demo
personas have their own logins).
"""

import random
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, exists
from sqlmodel import col

from core import auth
from core.models.accounts import Role, UserAccount
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

HISTORY_SECONDS = 6 * 365 * 86_400
APP_COMMUNICATION_SHARE = 0.75  # FAQ: letters reach the Postfach only once switched on


def smart_without_account():
    return (
        col(Member.service_level).in_(["smart", "smarthealth"]),
        ~exists().where(UserAccount.member_id == Member.id),
        not_in_persona_household(),
    )


def seed_member_accounts(
    engine: Engine, *, seed: int = 2026, progress: Progress | None = None
) -> int:
    """An account (and a preference row) for every smart member without an account."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    now = datetime.now(UTC).timestamp()
    unusable = auth.hash_password(secrets.token_urlsafe(32))  # never stored in clear, never known
    conditions = smart_without_account()
    total = count_members(engine, *conditions)
    columns = (Member.id, Member.kvnr, Member.first_name, Member.last_name)
    done = inserted = 0
    for members in member_chunks(engine, columns, *conditions, size=MEMBER_CHUNK):
        accounts, preferences = [], []
        for member_id, kvnr, first_name, last_name in members:
            # Switched to smart at some point in the last six years, more of them lately.
            since = datetime.fromtimestamp(now - HISTORY_SECONDS * rng.random() ** 1.5, UTC)
            accounts.append(
                {
                    "username": kvnr.lower(),
                    "display_name": f"{first_name} {last_name}",
                    "role": str(Role.MEMBER),
                    "member_id": member_id,
                    "password_hash": unusable,
                    "is_active": True,
                    "created_at": since,
                    "password_changed_at": since,
                }
            )
            preferences.append(
                {
                    "member_id": member_id,
                    "app_communication": rng.random() < APP_COMMUNICATION_SHARE,
                    "updated_at": since,
                }
            )
        with bulk_transaction(engine) as writer:
            writer.insert(UserAccount.__table__, accounts)
            writer.insert(MemberPreference.__table__, preferences)
        inserted += len(accounts) + len(preferences)
        done += len(members)
        if progress:
            progress(done, total)
    return inserted
