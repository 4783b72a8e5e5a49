"""All tables. Importing this package registers every table on SQLModel.metadata (alembic)."""

from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.audit import AuditEntry, AuditHead
from core.models.banking import BankAccount
from core.models.benefits import Benefit
from core.models.blobs import EncryptedBlob
from core.models.bonus import BonusEnrolment, BonusEvidence, EnrolmentStatus, EvidenceStatus
from core.models.certificates import CertificateRequest, CertificateStatus, CertificateType
from core.models.digital_cards import CardStatus, DigitalCard
from core.models.documents import Submission, SubmissionStatus
from core.models.family import FamilyMember, FamilyRelation
from core.models.health_cards import HealthCardReason, HealthCardRequest, HealthCardStatus
from core.models.health_link import HealthLink
from core.models.histories import Earning, InsuranceKind, InsurancePeriod
from core.models.identity import Identification, RegisteredDevice
from core.models.issued_certificates import IssuedCertificate
from core.models.letters import Letter, LetterChannel, LetterDirection
from core.models.messages import Conversation, ConversationStatus, Message, MessageDirection
from core.models.people import Member, ServiceLevel
from core.models.preferences import MemberPreference
from core.models.saved_views import SavedInboxView

__all__ = [
    "AuditEntry",
    "AuditHead",
    "BankAccount",
    "Benefit",
    "BonusEnrolment",
    "BonusEvidence",
    "CardStatus",
    "CertificateRequest",
    "CertificateStatus",
    "CertificateType",
    "Conversation",
    "ConversationStatus",
    "DigitalCard",
    "Earning",
    "EncryptedBlob",
    "EnrolmentStatus",
    "EvidenceStatus",
    "FamilyMember",
    "FamilyRelation",
    "HealthCardReason",
    "HealthCardRequest",
    "HealthCardStatus",
    "HealthLink",
    "Identification",
    "InsuranceKind",
    "InsurancePeriod",
    "IssuedCertificate",
    "Letter",
    "LetterChannel",
    "LetterDirection",
    "LoginThrottle",
    "Member",
    "MemberPreference",
    "Message",
    "MessageDirection",
    "RegisteredDevice",
    "Role",
    "SavedInboxView",
    "ServiceLevel",
    "Submission",
    "SubmissionStatus",
    "UserAccount",
    "UserSession",
]
