"""All tables. Importing this package registers every table on SQLModel.metadata (alembic)."""

from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.audit import AuditEntry, AuditHead
from core.models.people import Member, ServiceLevel

__all__ = [
    "AuditEntry",
    "AuditHead",
    "LoginThrottle",
    "Member",
    "Role",
    "ServiceLevel",
    "UserAccount",
    "UserSession",
]
