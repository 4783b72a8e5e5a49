"""Messenger (FAQ: smart members "einfacher Austausch über unseren Messenger").

A smart member starts a conversation with the HEK and writes messages, optionally with one
attachment that passes the same checks as "Dokument senden"; clerks answer from the
back-office and can file an attachment into the document inbox in one click. Bodies and
attachments are stored encrypted; members only reach their own conversations; staff reads
are audited.

conversations: what members and clerks do inside a conversation; back_office: the clerks'
list, status and filing. Callers use this package's names (`messenger.post_message(...)`).
"""

from core.messenger.back_office import (
    file_into_inbox,
    filing_key,
    list_conversations,
    set_status,
)
from core.messenger.common import (
    ATTACHMENT_OWNER,
    BODY_MAX_CHARS,
    BODY_OWNER,
    LIST_LIMIT,
    STATUS_LABELS,
    SUBJECT_MAX_CHARS,
    ConversationClosed,
    ConversationNotFound,
    ConversationStatus,
    ConversationSummary,
    ConversationView,
    MessageView,
)
from core.messenger.conversations import (
    message_attachment,
    my_conversations,
    open_conversation,
    post_message,
    start_conversation,
)

__all__ = [
    "ATTACHMENT_OWNER",
    "BODY_MAX_CHARS",
    "BODY_OWNER",
    "LIST_LIMIT",
    "STATUS_LABELS",
    "SUBJECT_MAX_CHARS",
    "ConversationClosed",
    "ConversationNotFound",
    "ConversationStatus",
    "ConversationSummary",
    "ConversationView",
    "MessageView",
    "file_into_inbox",
    "filing_key",
    "list_conversations",
    "message_attachment",
    "my_conversations",
    "open_conversation",
    "post_message",
    "set_status",
    "start_conversation",
]
