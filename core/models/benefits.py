"""The Leistungs- und Serviceüberblick: catalogue entries kept as data, edited by staff."""

from datetime import datetime

from sqlmodel import Field, SQLModel

# Field limits, shared by the table, the back-office form and the service's validation.
TITLE_MAX = 120
SITUATION_MAX = 40
TEXT_MAX = 600
ACTION_MAX = 40
KEYWORDS_MAX = 300


class BenefitBase(SQLModel):
    slug: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(max_length=TITLE_MAX)
    life_situation: str = Field(max_length=SITUATION_MAX)
    summary: str = Field(max_length=TEXT_MAX)
    eligibility: str = Field(max_length=TEXT_MAX)
    what_to_send: str = Field(max_length=TEXT_MAX)
    # document:<type> | certificate | contact | health_card (see core.benefits.parse_action)
    action: str = Field(max_length=ACTION_MAX)
    keywords: str = Field(default="", max_length=KEYWORDS_MAX)  # comma-separated
    updated_at: datetime
    updated_by: str = Field(max_length=64)  # username; "system" for the seeded text


class Benefit(BenefitBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class BenefitRead(BenefitBase):
    id: int
