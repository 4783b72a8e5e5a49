"""All tables. Importing this package registers every table on SQLModel.metadata (alembic)."""

from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.audit import AuditEntry, AuditHead
from core.models.blobs import EncryptedBlob
from core.models.people import Member, ServiceLevel

__all__ = [
    "AuditEntry",
    "AuditHead",
    "EncryptedBlob",
    "LoginThrottle",
    "Member",
    "Role",
    "ServiceLevel",
    "UserAccount",
    "UserSession",
]
