"""A clerk's own inbox views: a filter set saved under a name, seen only by its owner."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class SavedInboxView(SQLModel, table=True):
    __tablename__ = "saved_inbox_view"
    # Also the index for "my views": owner first.
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_saved_inbox_view_owner_name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user_account.id")
    name: str = Field(max_length=60)
    filters: str = Field(max_length=2000)  # JSON: core.saved_views.to_json
    created_at: datetime
