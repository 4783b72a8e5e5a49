"""A member's communication preferences (FAQ: "App-Kommunikation" under Profil)."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class MemberPreference(SQLModel, table=True):
    """One row per member, created on the first change; no row means the defaults."""

    __tablename__ = "member_preference"

    member_id: int = Field(primary_key=True, foreign_key="member.id")
    # FAQ: letters from the HEK reach the app's Postfach only once this is switched on.
    app_communication: bool = False
    updated_at: datetime


class CommunicationSettings(SQLModel):
    app_communication: bool
    updated_at: datetime | None = None
