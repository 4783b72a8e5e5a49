"""Reading the audit log as an auditor does: which looks were recorded, by whom, about whom."""

import json

from sqlmodel import Session, col, select

from core.models.audit import AuditEntry


def looks(session: Session, action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first."""
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.seq))
        ).all()
    )


def members_named(entry: AuditEntry) -> list[int]:
    """Every member an entry names: its member_id and the members a list look showed."""
    shown = json.loads(entry.details).get("members", [])
    return sorted({*shown, *([entry.member_id] if entry.member_id is not None else [])})
