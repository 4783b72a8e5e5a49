"""Datenexport: a ZIP with the record as a FHIR bundle plus every original document.

Built in the member's unlocked session, in memory, and handed straight to the browser. The
bundle is FHIR R4B (4.3.0, the R4 line that fhir.resources ships) and validated by
fhir.resources before it is written; every resource also carries a readable narrative.
"""

import base64
import hashlib
import html
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from datetime import date

from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session

from core.actors import Actor
from core.clock import utcnow
from core.health import keys
from core.health.entries import Category, EntryView, load_timeline, open_document
from core.uploads import safe_filename

Progress = Callable[[int, int], None]
CATEGORY_SYSTEM = "urn:hek:smarthealth:kategorie"
REFERENCE_SYSTEM = "urn:hek:smarthealth:referenznummer"
README = """smarthealth – Datenexport

bundle.json   Ihre Gesundheitsakte als FHIR-Bundle (HL7 FHIR R4B, Typ "collection").
dokumente/    Ihre Dokumente im Original, wie sie gespeichert wurden.

Diese Datei ist nicht verschlüsselt. Bewahren Sie sie sicher auf.
"""


def _urn(entry_id: str) -> str:
    return f"urn:uuid:{uuid.UUID(hex=entry_id)}"


def _narrative(view: EntryView) -> dict:
    lines = [f"<b>{html.escape(view.title)}</b> ({view.on:%d.%m.%Y}, {view.category_label})"]
    lines += [f"{html.escape(k)}: {html.escape(str(v))}" for k, v in view.details.items()]
    if view.note:
        lines.append(html.escape(view.note))
    body = "<br/>".join(lines)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _notes(view: EntryView) -> list[dict]:
    notes = [{"text": f"{key}: {value}"} for key, value in view.details.items()]
    return notes + ([{"text": view.note}] if view.note else [])


AMBULATORY = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "AMB",
    "display": "ambulatory",
}


def _specific(view: EntryView, patient: dict, attachment: dict) -> dict:
    """The resource type and fields that carry one category's entry."""
    day, text, notes = view.on.isoformat(), {"text": view.title}, _notes(view) or None
    diagnosis = view.details.get("Diagnose")
    return {
        Category.VACCINATION: lambda: {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": text,
            "patient": patient,
            "occurrenceDateTime": day,
            "note": notes,
        },
        Category.MEDICATION: lambda: {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": text,
            "subject": patient,
            "effectiveDateTime": day,
            "note": notes,
        },
        Category.CHECKUP: lambda: {
            "resourceType": "Procedure",
            "status": "completed",
            "code": text,
            "subject": patient,
            "performedDateTime": day,
            "note": notes,
        },
        Category.APPOINTMENT: lambda: {
            "resourceType": "Encounter",
            "status": "finished",
            "class": AMBULATORY,
            "type": [text],
            "subject": patient,
            "period": {"start": day},
            "reasonCode": [{"text": diagnosis}] if diagnosis else None,
        },
        Category.BILLING: lambda: {
            "resourceType": "ChargeItem",
            "status": "billed",
            "code": text,
            "subject": patient,
            "occurrenceDateTime": day,
            "note": notes,
        },
        Category.DOCUMENT: lambda: {
            "resourceType": "DocumentReference",
            "status": "current",
            "description": view.title,
            "subject": patient,
            "content": [{"attachment": attachment}],
        },
    }[view.category]()


def _attachment(view: EntryView, path: str | None, data: bytes | None) -> dict:
    attachment = {"title": view.document_name or view.title, "creation": view.on.isoformat()}
    if path and data is not None:
        attachment |= {
            "contentType": view.document_mime,
            "url": path,
            "size": len(data),
            # FHIR's Attachment.hash is defined as SHA-1; an integrity hint, not security.
            "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),  # noqa: S324
        }
    return attachment


def _resource(view: EntryView, patient: dict, path: str | None, data: bytes | None) -> dict:
    tag = {"system": CATEGORY_SYSTEM, "code": str(view.category), "display": view.category_label}
    specific = _specific(view, patient, _attachment(view, path, data))
    resource = {
        "resourceType": specific.pop("resourceType"),
        "id": str(uuid.UUID(hex=view.id)),
        "meta": {"tag": [tag]},
        "text": _narrative(view),
    } | {key: value for key, value in specific.items() if value is not None}
    return {"fullUrl": _urn(view.id), "resource": resource}


def export_record(
    health: Session,
    *,
    actor: Actor,
    unlocked: keys.UnlockedRecord,
    holder: str,
    progress: Progress | None = None,
) -> bytes:
    """The ZIP of the whole record; `progress(done, total)` after each entry."""
    timeline = load_timeline(health, actor=actor, unlocked=unlocked)
    patient_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{REFERENCE_SYSTEM}:{unlocked.reference_number}")
    patient_ref = {"reference": f"urn:uuid:{patient_id}", "display": holder}
    entries = [
        {
            "fullUrl": f"urn:uuid:{patient_id}",
            "resource": {
                "resourceType": "Patient",
                "id": str(patient_id),
                "identifier": [{"system": REFERENCE_SYSTEM, "value": unlocked.reference_number}],
                "name": [{"text": holder}],
            },
        }
    ]
    buffer = io.BytesIO()  # in memory only: plaintext never touches a temp file
    total = len(timeline.entries)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LIESMICH.txt", README)
        for done, view in enumerate(reversed(timeline.entries), start=1):
            path = data = None
            if view.document_name:
                data = open_document(health, actor=actor, unlocked=unlocked, entry=view).data
                path = f"dokumente/{done:05d}-{safe_filename(view.document_name)}"
                archive.writestr(path, data)
            entries.append(_resource(view, patient_ref, path, data))
            if progress:
                progress(done, total)
        bundle = Bundle.model_validate(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "timestamp": utcnow().isoformat(timespec="seconds"),
                "entry": entries,
            }
        )
        archive.writestr("bundle.json", bundle.model_dump_json(indent=2, exclude_none=True))
    if progress and not total:
        progress(0, 0)
    return buffer.getvalue()


def read_bundle(archive: bytes) -> dict:
    """The bundle of an export as JSON (tests and support)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return json.loads(opened.read("bundle.json"))


def export_file_name(today: date) -> str:
    return f"smarthealth-export-{today:%Y-%m-%d}.zip"
