"""All tables. Importing this package registers every table on SQLModel.metadata (alembic)."""

from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.audit import AuditEntry, AuditHead
from core.models.banking import BankAccount
from core.models.blobs import EncryptedBlob
from core.models.certificates import CertificateRequest, CertificateStatus, CertificateType
from core.models.documents import Submission, SubmissionStatus
from core.models.family import FamilyMember, FamilyRelation
from core.models.histories import Earning, InsuranceKind, InsurancePeriod
from core.models.people import Member, ServiceLevel
from core.models.preferences import MemberPreference

__all__ = [
    "AuditEntry",
    "AuditHead",
    "BankAccount",
    "CertificateRequest",
    "CertificateStatus",
    "CertificateType",
    "Earning",
    "EncryptedBlob",
    "FamilyMember",
    "FamilyRelation",
    "InsuranceKind",
    "InsurancePeriod",
    "LoginThrottle",
    "Member",
    "MemberPreference",
    "Role",
    "ServiceLevel",
    "Submission",
    "SubmissionStatus",
    "UserAccount",
    "UserSession",
]
