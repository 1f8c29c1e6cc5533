"""``ringfence case``: investigations with items, notes, evidence and chain of custody.

open, add, note, status, list, show, evidence, custody, verify. The operator running these acts
as ``cli:<login name>``; every write is on the audit chain (docs/cases.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ringfence.cases import service
from ringfence.cases.referral import write_referral
from ringfence.cases.verify import verify_case
from ringfence.cases.views import case_dict, case_summary
from ringfence.cli.access_cmd import _actor
from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.case_tables import EVIDENCE_KINDS

case_app = typer.Typer(
    help="Investigations: cases, their evidence and its chain of custody.",
    no_args_is_help=True,
)
CASE = typer.Argument(..., metavar="CASE", help="Case id (ca-...).")


def register(app: typer.Typer) -> None:
    """Add the ``case`` command group."""
    app.add_typer(case_app, name="case")


def _owner(store: OperationalStore, org: str | None) -> str:
    """``--org``, or the only organisation there is."""
    if org:
        return org
    slugs = [o.slug for o in store.organisations()]
    if len(slugs) == 1:
        return slugs[0]
    raise UserError("which organisation owns the case? pass --org ORG")


@case_app.command("open")
def case_open(
    title: str = typer.Option(..., "--title", help="What the case is about."),
    org: str | None = typer.Option(None, "--org", help="Owner (default: the only one)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"id": ...}.'),
) -> None:
    """Open a case; prints its id."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        case = store.open_case(_owner(store, org), title, actor=_actor())
    typer.echo(json.dumps({"id": case.id}) if as_json else case.id)


@case_app.command("add")
def case_add(
    case: str = CASE,
    entity: str | None = typer.Option(None, "--entity", help="A resolved entity id."),
    shipment: str | None = typer.Option(None, "--shipment", help="A shipment id."),
    listing: str | None = typer.Option(None, "--listing", help="A listing id."),
    seller: str | None = typer.Option(None, "--seller", help="A seller id."),
    note: str | None = typer.Option(None, "--note", help="Why it belongs to the case."),
) -> None:
    """Add an entity, shipment, listing or seller to a case (one per call)."""
    given = {
        k: v
        for k, v in (
            ("entity", entity),
            ("shipment", shipment),
            ("listing", listing),
            ("seller", seller),
        )
        if v
    }
    settings = Settings()
    with one_line_errors():
        if len(given) != 1:
            raise UserError("give one of --entity, --shipment, --listing or --seller")
        ((kind, ref),) = given.items()
        with OperationalStore.open(settings) as store:
            _, new = service.add_item(settings, store, case, kind, ref, actor=_actor(), note=note)
    typer.echo(f"{'added' if new else 'already in'} {case}: {kind} {ref}")


@case_app.command("note")
def case_note(case: str = CASE, text: str = typer.Argument(..., help="The note.")) -> None:
    """Add a note to a case."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.add_case_note(case, text, actor=_actor())
    typer.echo(f"note added to {case}")


@case_app.command("status")
def case_status(
    case: str = CASE,
    status: str = typer.Argument(..., help="open, referred or closed."),
    reason: str | None = typer.Option(None, "--reason", help="Why (e.g. the referral)."),
) -> None:
    """Move a case to open, referred or closed."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        row = store.set_case_status(case, status, actor=_actor(), reason=reason)
    typer.echo(f"{case} is {row.status}")


@case_app.command("list")
def case_list(
    org: str | None = typer.Option(None, "--org", help="Only this organisation's cases."),
    status: str | None = typer.Option(None, "--status", help="open, referred or closed."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Cases, most recently changed first."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [case_summary(c) for c in store.cases(org, status)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['id']}\t{r['status']}\t{r['organisation']}\t{r['title']}")


@case_app.command("show")
def case_show(case: str = CASE, as_json: bool = typer.Option(False, "--json")) -> None:
    """A case with its items, notes, evidence and history."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        shown = case_dict(store, case)
    if as_json:
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    _print_case(shown)


def _print_case(shown: dict[str, Any]) -> None:
    typer.echo(f"{shown['id']}  {shown['title']}  [{shown['status']}]  {shown['organisation']}")
    for item in shown["items"]:
        typer.echo(
            f"  {item['kind']:<9}{item['ref']}" + (f"  ({item['note']})" if item["note"] else "")
        )
    for note in shown["notes"]:
        typer.echo(f"  note {note['at']} {note['author']}: {note['text']}")
    for e in shown["evidence"]:
        typer.echo(
            f"  evidence {e['id']} {e['kind']} {e['file_name']} sha256 {e['sha256']} "
            f"held by {e['custodian']}"
        )
        for step in e["custody"]:
            typer.echo(
                f"    {step['at']} {step['from'] or '(collected)'} -> {step['to']}: "
                f"{step['why']} ({step['by']})"
            )


@case_app.command("evidence")
def case_evidence(
    case: str = CASE,
    file: Path = typer.Argument(..., help="The evidence file (photo, lab report, ...)."),
    kind: str = typer.Option("file", "--kind", help=", ".join(EVIDENCE_KINDS) + "."),
    custodian: str = typer.Option(..., "--custodian", help="Who holds the original now."),
    description: str | None = typer.Option(None, "--description"),
) -> None:
    """Store an evidence file (SHA-256, content-addressed) with its first custodian."""
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        row = service.add_evidence_file(
            settings,
            store,
            case,
            file,
            kind=kind,
            custodian=custodian,
            actor=_actor(),
            description=description,
        )
    typer.echo(f"evidence {row.id} of {case}: {row.file_name} sha256 {row.sha256}")


@case_app.command("custody")
def case_custody(
    case: str = CASE,
    evidence: int = typer.Argument(..., help="Evidence item id."),
    to: str = typer.Option(..., "--to", help="The new custodian."),
    why: str = typer.Option(..., "--why", help="Why it changes hands."),
) -> None:
    """Hand an evidence item to a new custodian (on the audit chain)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        row = store.transfer_custody(case, evidence, to, why, actor=_actor())
    typer.echo(f"evidence {row.id} of {case} is now held by {row.custodian}")


@case_app.command("verify")
def case_verify(case: str = CASE, as_json: bool = typer.Option(False, "--json")) -> None:
    """Re-hash the evidence and check its chain of custody and the audit chain; exit 1 on any
    problem."""
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        check = verify_case(settings, store, case)
    if as_json:
        typer.echo(json.dumps(check.to_dict(), indent=2))
    elif check.ok:
        typer.echo(
            f"{case}: {check.evidence} evidence item(s) intact, {check.custody_steps} "
            f"custody step(s) unbroken, audit chain of {check.audit_entries} entries "
            "intact"
        )
    else:
        for problem in check.problems:
            typer.echo(f"{case}: {problem}", err=True)
    if not check.ok:
        raise typer.Exit(1)


@case_app.command("export")
def case_export(
    case: str = CASE,
    out: Path = typer.Option(..., "--out", help="FtM JSON lines file to write."),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Also copy the evidence here, with manifest.json and summary.html."
    ),
) -> None:
    """Write the case as a referral: FtM entities of its parties, links, shipments, seizures,
    listings, sellers and evidence (every referenced entity included)."""
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        manifest = write_referral(settings, store, case, out, bundle)
    where = (
        f"; bundle with {len(manifest['evidence'])} evidence file(s) in {bundle}" if bundle else ""
    )
    typer.echo(f"{manifest['ftm']['entities']} FtM entities of {case} written to {out}{where}")
