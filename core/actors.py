"""Who is acting: passed to every service that reads or changes member data."""

from dataclasses import dataclass

from core.models.accounts import Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: Role
    display_name: str
    member_id: int | None = None
    service_level: str | None = None  # members only: basic, smart or smarthealth

    @property
    def is_member(self) -> bool:
        return self.role == Role.MEMBER

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CLERK, Role.ADMIN)


SYSTEM = Actor(user_id=0, username="system", role=Role.ADMIN, display_name="System")
