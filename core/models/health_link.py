"""The insurer's only smarthealth table: which member holds which record reference number.

FAQ: for the activation the insurer stores first and last name, KVNR and the technical
reference number, nothing else. Health data never reaches this database.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel


class HealthLink(SQLModel, table=True):
    """One row per member who ever activated smarthealth; terminated_at ends it."""

    __tablename__ = "health_link"

    member_id: int = Field(primary_key=True, foreign_key="member.id")
    reference_number: str = Field(max_length=32, unique=True)
    activated_at: datetime
    terminated_at: datetime | None = None
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    kvnr: str = Field(max_length=10)
