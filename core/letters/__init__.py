"""Letters from the HEK: written from templates, signed, delivered to the Postfach or by post.

FAQ: with App-Kommunikation on, a smart member receives letters in the app's Postfach and
may answer them there ("antworten"); otherwise the letter goes by post ("postalisch"). A
letter is a PDF with a detached Ed25519 signature; text, PDF and reply attachments are
stored encrypted (core.blobs). Members only ever reach their own letters; staff reads are
audited.

sending: clerks write from templates; reading: the Postfach, back-office views and the PDF;
replies: members answer. Callers use this package's names (`letters.send_letter(...)`).
"""

from core.letters.common import (
    ATTACHMENT_OWNER,
    BODY_OWNER,
    LIST_LIMIT,
    PDF_OWNER,
    REPLY_MAX_CHARS,
    LetterNotFound,
    LetterSummary,
    LetterThread,
    Reply,
    SignedLetter,
    delivery_channel,
    signature_status,
)
from core.letters.reading import (
    letter_document,
    letters_of_member,
    open_letter,
    postbox,
    unread_letters,
)
from core.letters.replies import (
    my_replies,
    reply_attachment,
    reply_to_letter,
    unanswered_replies,
)
from core.letters.sending import (
    LetterPreview,
    Recipient,
    find_recipient,
    preview_letter,
    send_letter,
)

__all__ = [
    "ATTACHMENT_OWNER",
    "BODY_OWNER",
    "LIST_LIMIT",
    "PDF_OWNER",
    "REPLY_MAX_CHARS",
    "LetterNotFound",
    "LetterPreview",
    "LetterSummary",
    "LetterThread",
    "Recipient",
    "Reply",
    "SignedLetter",
    "delivery_channel",
    "find_recipient",
    "letter_document",
    "letters_of_member",
    "my_replies",
    "open_letter",
    "postbox",
    "preview_letter",
    "reply_attachment",
    "reply_to_letter",
    "send_letter",
    "signature_status",
    "unanswered_replies",
    "unread_letters",
]
