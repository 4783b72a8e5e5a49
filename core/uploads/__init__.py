"""One checked pipeline for every upload of the portal.

    IncomingFile -> sniff type by magic bytes -> size limits -> parse with tight limits
                 -> normalise -> CheckedFile            (or UploadRejected with a German reason)
                    (parsing and normalising run in a worker process: core.sandbox)
    [CheckedFile, ...] -> build_submission -> SubmissionDocument (one PDF)

Member documents, messenger attachments, bonus evidence, smarthealth uploads, KV-Connect doctor
letters and the mail room all go through `check_file`; narrow `UploadLimits.allowed_kinds` where
a channel takes fewer formats.
"""

from core.uploads.errors import UploadRejected
from core.uploads.model import (
    FORMATS_TEXT,
    UPLOAD_EXTENSIONS,
    CheckedFile,
    IncomingFile,
    Kind,
    SubmissionDocument,
    UploadLimits,
)
from core.uploads.names import safe_filename
from core.uploads.pipeline import check_file
from core.uploads.submission import build_submission

__all__ = [
    "FORMATS_TEXT",
    "UPLOAD_EXTENSIONS",
    "CheckedFile",
    "IncomingFile",
    "Kind",
    "SubmissionDocument",
    "UploadLimits",
    "UploadRejected",
    "build_submission",
    "check_file",
    "safe_filename",
]
