"""All tables. Importing this package registers every table on SQLModel.metadata (alembic)."""

from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.audit import AuditEntry, AuditHead
from core.models.blobs import EncryptedBlob
from core.models.certificates import CertificateRequest, CertificateStatus, CertificateType
from core.models.documents import Submission, SubmissionStatus
from core.models.family import FamilyMember, FamilyRelation
from core.models.people import Member, ServiceLevel

__all__ = [
    "AuditEntry",
    "AuditHead",
    "CertificateRequest",
    "CertificateStatus",
    "CertificateType",
    "EncryptedBlob",
    "FamilyMember",
    "FamilyRelation",
    "LoginThrottle",
    "Member",
    "Role",
    "ServiceLevel",
    "Submission",
    "SubmissionStatus",
    "UserAccount",
    "UserSession",
]
