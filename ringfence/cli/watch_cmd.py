"""``ringfence watch``: watched entities and their alerts.

add, remove, list, check, alerts. A watch belongs to an organisation (``--org``, or the only
one); a check reads what links to each watched entity as that organisation's agreements allow,
so an alert never names what the organisation could not open. Writes are audited
(``watch.add``, ``watch.remove``, ``watch.alert``, ``watch.read``; docs/cases.md).
"""

from __future__ import annotations

import json
from typing import Any

import typer

from ringfence.cli.access_cmd import _actor
from ringfence.cli.case_cmd import _owner
from ringfence.cli.errors import one_line_errors
from ringfence.service.context import Services
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

watch_app = typer.Typer(
    help="Watched entities: alerts when something new links to them.", no_args_is_help=True
)
ENTITY = typer.Argument(..., metavar="ENTITY", help="Resolved entity id (en-...).")
ORG = typer.Option(None, "--org", help="The watching organisation (default: the only one).")
AS_JSON = typer.Option(False, "--json", help="Print JSON.")


def register(app: typer.Typer) -> None:
    """Add the ``watch`` command group."""
    app.add_typer(watch_app, name="watch")


def _echo(value: Any, as_json: bool, lines: list[str]) -> None:
    typer.echo(json.dumps(value, indent=2) if as_json else "\n".join(lines))


@watch_app.command("add")
def watch_add(
    entity: str = ENTITY,
    org: str | None = ORG,
    note: str | None = typer.Option(None, "--note", help="Why it is watched."),
) -> None:
    """Watch an entity the organisation may read; what links to it now is the baseline."""
    from ringfence.investigate.check import organisation_caller
    from ringfence.investigate.forms import model_from
    from ringfence.service.views.investigate import WatchIn, add_watch

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        body = model_from(WatchIn, entity_id=entity, note=note)  # refused in one line
        services = Services(store.settings or Settings(), store)
        caller = organisation_caller(services, _owner(store, org))
        caller = _as_operator(caller)
        watch = add_watch(services, caller, body)
    typer.echo(f"{caller.organisation} watches {watch['entity_id']}")


def _as_operator(caller: Any) -> Any:
    """The organisation acting through its operator at the command line (audited as cli:...)."""
    from dataclasses import replace

    return replace(caller, role="admin", email=_actor())


@watch_app.command("remove")
def watch_remove(entity: str = ENTITY, org: str | None = ORG) -> None:
    """Stop watching an entity."""
    from ringfence.investigate.watch_store import WatchStore

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        WatchStore.for_store(store).remove_watch(_owner(store, org), entity, actor=_actor())
    typer.echo(f"no longer watching {entity}")


@watch_app.command("list")
def watch_list(org: str | None = ORG, as_json: bool = AS_JSON) -> None:
    """The organisation's watched entities."""
    from ringfence.investigate.watch_store import WatchStore
    from ringfence.service.views.investigate import _watch_dict

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        watches = [_watch_dict(w) for w in WatchStore.for_store(store).watches(_owner(store, org))]
    lines = [f"{w['entity_id']}  {w['note'] or ''}".rstrip() for w in watches] or ["no watches"]
    _echo(watches, as_json, lines)


@watch_app.command("check")
def watch_check(
    org: str | None = typer.Option(None, "--org", help="Only this organisation's watches."),
    as_json: bool = AS_JSON,
) -> None:
    """Check watched entities now (``ingest`` and ``resolve`` do not; the service checks when
    its pages or /alerts are read after data landed); prints how many new alerts."""
    from ringfence.investigate.check import check_watches

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        services = Services(store.settings or Settings(), store)
        report = check_watches(services, org, actor=_actor())
    out = {"watches": report.watches, "alerts": report.alerts, "unreadable": report.unreadable}
    _echo(out, as_json, [f"{report.watches} watches checked, {report.alerts} new alerts"])


@watch_app.command("alerts")
def watch_alerts(
    org: str | None = ORG,
    unread: bool = typer.Option(False, "--unread", help="Only alerts nobody marked read."),
    mark_read: bool = typer.Option(False, "--read", help="Mark the listed alerts read."),
    as_json: bool = AS_JSON,
) -> None:
    """The organisation's alerts, newest first (what each names is read through its agreements)."""
    from ringfence.investigate.check import organisation_caller
    from ringfence.investigate.watch_store import WatchStore
    from ringfence.service.views.investigate import _described

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        services = Services(store.settings or Settings(), store)
        caller = organisation_caller(services, _owner(store, org))
        watches = WatchStore.for_store(store)
        rows = watches.alerts(caller.organisation, unread_only=unread)
        shown = _described(services, caller, rows)
        if mark_read and rows:
            watches.mark_read(caller.organisation, [r.id for r in rows], actor=_actor())
    lines = [
        f"{a['found_at'][:16]}  {a['entity_name'] or a['entity_id']}: {a['what']}"
        + ("" if a["read"] else "  (new)")
        for a in shown
    ] or ["no alerts"]
    _echo(shown, as_json, lines)
