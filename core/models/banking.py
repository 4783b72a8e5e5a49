"""Bank accounts a member has given the HEK; none is ever deleted (FAQ: all are listed)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class BankAccountBase(SQLModel):
    iban: str = Field(max_length=34)  # compact, upper case
    bic: str | None = Field(default=None, max_length=11)
    account_holder: str = Field(max_length=70)  # SEPA allows 70 characters
    valid_from: date
    valid_until: date | None = None  # inclusive; None while it is the open-ended account


class BankAccount(BankAccountBase, table=True):
    __tablename__ = "bank_account"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    created_at: datetime


class BankAccountRead(BankAccountBase):
    id: int
    created_at: datetime
    is_current: bool = False  # valid today; the page highlights it
    status: str = ""  # German, e.g. "Aktuell gültig", "Gültig bis 31.03.2026"

    @property
    def iban_formatted(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))
