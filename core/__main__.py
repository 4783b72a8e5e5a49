"""The operator's command line: `python -m core COMMAND --help`."""

import argparse
import sys
import time

from core import migrate
from core.db import get_engine, session_scope
from core.errors import DomainError


def _progress(label: str):
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0.0
        print(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    return report


def cmd_migrate(_args: argparse.Namespace) -> int:
    from core.health import migrate as health_migrate

    revision = migrate.upgrade()
    print(f"Datenbank ist auf Stand {revision}.")
    print(f"smarthealth-Datenbank ist auf Stand {health_migrate.upgrade()}.")
    return 0


def cmd_makemigration(args: argparse.Namespace) -> int:
    migrate.upgrade()
    migrate.new_revision(args.message)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from core import scale_seed, seed

    migrate.upgrade()
    engine = get_engine()
    if args.if_empty and not seed.database_is_empty(engine):
        print("Datenbank enthält bereits Daten; nichts zu tun.")
        return 0
    # Members with histories, then about ten documents each, then whatever steps
    # features add (core.scale_seed.STEPS); each step prints its progress and its rate.
    plan = scale_seed.SeedPlan(
        members=args.members, demo=args.demo or seed.database_is_empty(engine)
    )
    started = time.perf_counter()
    for step in scale_seed.seed_population(engine, plan, progress_for=_progress):
        print(f"{step.label}: {step.rows:,} in {step.seconds:.1f} s ({step.rate:,.0f}/s).")
    print(f"Fertig in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    """The chain up to its first break; with --anchor also that the anchored entry is there."""
    from pathlib import Path

    from core.audit import verify_chain
    from core.audit_anchor import confirm_anchor, read_anchor

    anchor = None
    if args.anchor:
        try:
            anchor = read_anchor(Path(args.anchor).read_text(encoding="ascii", errors="replace"))
        except OSError as problem:
            print(f"{args.anchor}: nicht lesbar: {problem.strerror}")
            return 1
        except DomainError as refusal:
            print(f"{args.anchor}: {refusal.message}")
            return 1
    with session_scope() as session:
        report = verify_chain(session)
        check = confirm_anchor(session, anchor=anchor, chain=report) if anchor else None
    if report.first_break is None:
        print(f"Audit-Protokoll intakt: {report.entries:,} Einträge geprüft.")
    else:
        print(report.first_break.reason)
        intact = f"die Einträge 1 bis {report.last_seq} sind intakt" if report.last_seq else ""
        print(
            f"Audit-Protokoll BESCHÄDIGT ab Eintrag {report.first_break.seq}"
            + (f"; {intact}." if intact else ".")
        )
    if check is not None:
        print(check.message)
    return 0 if report.intact and (check is None or check.confirmed) else 1


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    """Sign the chain's head for write-once storage; refuses to overwrite a file."""
    from core.audit_anchor import create_anchor

    with session_scope() as session:
        anchor, text = create_anchor(session)
    if args.out:
        try:
            with open(args.out, "x", encoding="ascii") as handle:
                handle.write(text + "\n")
        except FileExistsError:
            print(f"Fehler: {args.out} existiert schon; ein Anker überschreibt keinen anderen.")
            return 1
        except OSError as problem:
            print(f"Fehler: {args.out} nicht schreibbar: {problem.strerror}")
            return 1
    else:
        print(text)
    print(
        f"Anker über {anchor.describe()} erstellt, signiert mit {anchor.signed_by}. Legen Sie "
        "ihn auf einem nur einmal beschreibbaren Speicher ab; prüfen mit "
        "`python -m core verify-audit --anchor DATEI`.",
        file=sys.stderr,
    )
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Mail room: each scanned file goes through the member pipeline; one line per file."""
    from pathlib import Path

    from core import documents
    from core.actors import Actor
    from core.models.accounts import Role
    from core.uploads import IncomingFile

    mail_room = Actor(user_id=0, username="poststelle", role=Role.CLERK, display_name="Poststelle")
    refused = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
            request = documents.DocumentRequest(
                kvnr=args.kvnr,
                doc_type=args.type,
                files=[IncomingFile(name=path.name, data=data)],
                note=args.note,
                channel="post",
            )
            with session_scope(write=True) as session:
                sent = documents.submit_document(session, actor=mail_room, request=request)
            print(f"{path.name}\t{sent.tracking_id}")
        except DomainError as refusal:
            refused += 1
            print(f"{path.name}\tabgelehnt: {refusal.message}")
        except OSError as problem:
            refused += 1
            print(f"{path.name}\tnicht lesbar: {problem.strerror}")
    return 1 if refused else 0


def cmd_demo_logins(_args: argparse.Namespace) -> int:
    from core.seed import DEMO_APP_PIN, DEMO_PASSWORD, DEMO_PERSONAS

    print(f"Demo-Zugänge (Passwort für alle: {DEMO_PASSWORD}):")
    for persona in DEMO_PERSONAS:
        kvnr = f"  KVNR {persona.kvnr}" if persona.kvnr else ""
        print(f"  {persona.username:<18} {persona.description:<32}{kvnr}")
    print(f"App-PIN des Demo-Smartphones der smart-Personas (nach der Anmeldung): {DEMO_APP_PIN}")
    return 0


def cmd_rotate_kek(args: argparse.Namespace) -> int:
    import secrets

    from core import blobs, crypto
    from core.clock import utcnow

    keyring = blobs.configured_keyring()
    if args.new_kek:
        new_kek = crypto.kek_from_text(args.new_kek)
    else:
        new_kek = crypto.generate_kek(f"kek-{utcnow():%Y%m%d}-{secrets.token_hex(3)}")
        # The only place a KEK is ever printed: the operator must store it before we start.
        print(
            "Neuer KEK (wird nur dieses eine Mal angezeigt, sofort sicher ablegen):\n\n"
            f"  {crypto.kek_to_text(new_kek)}\n\n"
            "Setzen Sie HEK_KEK auf diesen Wert und tragen Sie den bisherigen KEK in "
            "HEK_OLD_KEKS ein,\nbis die Umschlüsselung vollständig ist. Wird sie "
            "unterbrochen, rufen Sie danach\n`python -m core rotate-kek --new-kek …` "
            "mit diesem Wert auf; sie setzt dort fort.\n",
            flush=True,
        )
    engine = get_engine()
    migrate.upgrade(engine)
    report = blobs.rotate_kek(
        engine, new_kek=new_kek, keyring=keyring, progress=_progress("Datenschlüssel")
    )
    print(
        f"{report.rewrapped:,} Datenschlüssel unter {report.new_kek_id} neu verpackt "
        f"in {report.seconds:.1f} s ({report.rate:,.0f}/s)."
    )
    if report.remaining:
        print(
            f"{report.remaining:,} Datei(en) wurden währenddessen noch mit einem alten KEK "
            "gespeichert: Setzen Sie HEK_KEK überall auf den neuen Wert und wiederholen Sie "
            "den Aufruf mit --new-kek."
        )
        return 1
    print(
        f"Fertig: Alle Dateien liegen unter {report.new_kek_id}. Der alte KEK wird nicht "
        "mehr benötigt; entfernen Sie ihn aus HEK_OLD_KEKS."
    )
    return 0


def cmd_verify_certificate(args: argparse.Namespace) -> int:
    """Exit 0 for an unchanged certificate or digital insurance card of ours, 1 otherwise."""
    from pathlib import Path

    from core.digital_cards import CardCheck
    from core.public_check import check_pdf

    try:
        data = Path(args.file).read_bytes()
    except OSError as problem:
        print(f"{args.file}: nicht lesbar: {problem.strerror}")
        return 1
    check = check_pdf(data)
    if isinstance(check, CardCheck):
        if check.card is None:
            print(f"UNGÜLTIG: {check.message}")
            return 1
        verdict = "GÜLTIG" if check.is_valid else "ECHT, ABER HEUTE NICHT GÜLTIG"
        print(f"{verdict} (Schlüssel {check.card.key_id}): Digitaler Versicherungsausweis")
        print(f"  {check.card.name}, geboren {check.card.birth_date:%d.%m.%Y}")
        print(f"  {check.message}")
        return 0 if check.is_valid else 1
    if not check.valid:
        print(f"UNGÜLTIG: {check.reason}")
        return 1
    fields = check.fields
    print(f"GÜLTIG (Schlüssel {check.key_id}): {fields.cert_label}")
    print(f"  {fields.name}, geboren {fields.birth_date:%d.%m.%Y}")
    print(f"  {fields.insurance_status}; ausgestellt am {fields.issued_on:%d.%m.%Y}")
    return 0


def cmd_lifecycle(args: argparse.Namespace) -> int:
    """smarthealth records past the FAQ's time limits: report (--dry-run) or delete."""
    from core.clock import today_berlin
    from core.health import lifecycle
    from core.health import migrate as health_migrate
    from core.health.db import health_scope

    migrate.upgrade()
    health_migrate.upgrade()
    with session_scope(write=True) as session, health_scope(write=True) as health:
        report = lifecycle.run(session, health, today=today_berlin(), dry_run=args.dry_run)
    for decision in report.decisions:
        verb = "löschen" if decision.action == "delete" else "inaktiv"
        print(f"{decision.reference_number}\t{verb}\t{decision.reason}")
    due = sum(decision.action == "delete" for decision in report.decisions)
    if report.dry_run:
        print(f"Probelauf: {due} Akte(n) wären zu löschen; nichts wurde geändert.")
    else:
        print(f"{report.deleted} Akte(n) gelöscht.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core", description="HEK Service-Portal operator commands."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply all schema migrations").set_defaults(run=cmd_migrate)

    make = commands.add_parser(
        "makemigration", help="(developers) autogenerate a migration from the models"
    )
    make.add_argument("message")
    make.set_defaults(run=cmd_makemigration)

    seed = commands.add_parser(
        "seed",
        help="fill the database with synthetic demo data: members with insurance periods "
        "and earnings, about ten documents each, identifications, app accounts, "
        "certificates, digital cards, letters, bonus evidence, smarthealth records with "
        "sealed billing data; then ANALYZE",
    )
    seed.add_argument(
        "--members", type=int, default=200, help="number of synthetic members (default 200)"
    )
    seed.add_argument(
        "--demo", action="store_true", help="also create the demo personas and their logins"
    )
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing when accounts exist already"
    )
    seed.set_defaults(run=cmd_seed)

    verify_audit = commands.add_parser(
        "verify-audit",
        help="check the audit log's keyed chain; report the first broken entry",
        description=(
            "Walks the audit log in order with the audit key (HEK_AUDIT_KEY; entries linked "
            "before a rotation need their key in HEK_OLD_AUDIT_KEYS) and reports the first "
            "entry that is missing, changed or not linked. Exit 0 intact, 1 broken."
        ),
    )
    verify_audit.add_argument(
        "--anchor",
        metavar="FILE",
        help="also prove that nothing up to the entry anchored in FILE was removed or changed",
    )
    verify_audit.set_defaults(run=cmd_verify_audit)
    anchor = commands.add_parser(
        "audit-anchor",
        help="sign the audit chain's head (seq, link, time) for write-once storage",
        description=(
            "Verifies the chain up to its head and writes the head, signed with the portal's "
            "signing key (HEK_SIGNING_KEY), to FILE or stdout. Keep it where nobody can "
            "change or delete it; `verify-audit --anchor FILE` later shows whether entries up "
            "to it were removed or changed."
        ),
    )
    anchor.add_argument("--out", metavar="FILE", help="write here (never overwritten)")
    anchor.set_defaults(run=cmd_audit_anchor)
    rotate = commands.add_parser(
        "rotate-kek",
        help="re-wrap every blob's data key under a new KEK (resumable)",
        description=(
            "Re-wrap the data key of every encrypted blob under a new key-encryption key; "
            "ciphertext stays unchanged. Without --new-kek a KEK is generated and printed "
            "once on stdout: set HEK_KEK to it and keep the old KEK in HEK_OLD_KEKS "
            "(comma-separated) until the rotation has completed. Batches are committed one "
            "by one, so an interrupted run continues where it stopped when started again "
            "with the same --new-kek. Progress goes to stderr."
        ),
    )
    rotate.add_argument(
        "--new-kek",
        metavar="TEXT",
        help="the new KEK as 'id:base64url' (e.g. to resume); visible in the process list",
    )
    rotate.set_defaults(run=cmd_rotate_kek)
    ingest = commands.add_parser(
        "ingest", help="mail room: send scanned files through the document pipeline"
    )
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--kvnr", required=True, help="the insured person's KVNR")
    ingest.add_argument(
        "--type", required=True, choices=["au", "rechnung", "bonus", "antrag", "sonstiges"]
    )
    ingest.add_argument("--note", help="a note (Rechnung and Sonstiges only)")
    ingest.set_defaults(run=cmd_ingest)

    commands.add_parser("demo-logins", help="print the demo accounts").set_defaults(
        run=cmd_demo_logins
    )
    verify_certificate = commands.add_parser(
        "verify-certificate", help="check a certificate or digital card PDF (exit 0 valid, 1 not)"
    )
    verify_certificate.add_argument("file", metavar="FILE")
    verify_certificate.set_defaults(run=cmd_verify_certificate)
    lifecycle = commands.add_parser(
        "lifecycle",
        help="delete smarthealth records past their time limits (FAQ)",
        description=(
            "Deletes smarthealth records one month after membership ended, and records "
            "without access for 24 months (12 months, then kept 12 more). Records without "
            "access for 12 months are listed as inactive."
        ),
    )
    lifecycle.add_argument("--dry-run", action="store_true", help="only report, change nothing")
    lifecycle.set_defaults(run=cmd_lifecycle)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DomainError as error:
        print(f"Fehler: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
