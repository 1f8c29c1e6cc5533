"""Reading through the policy gate: lake datasets (``read``, ``read_entities``), rows from
elsewhere (``visible``), and the raw lake access the gate itself uses (``query_lake``,
``lake_session``) with the only way values enter its SQL (``sql_text``, ``sql_list``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ringfence.service.context import Caller, Services
from ringfence.service.datasets import (
    _LAKE_SQL,
    _NEEDS,
    SHIPMENT_FIELDS,
    SHIPMENT_OWNER,
    dataset,
)
from ringfence.service.ownership import owner_parts
from ringfence.service.policy import PARTS, Policy
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake


def sql_text(value: str) -> str:
    """``value`` as a SQL string literal (quotes doubled): the only way values enter SQL here."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    """A parenthesised list of SQL string literals (``(NULL)`` when empty: matches nothing)."""
    quoted = [sql_text(v) for v in values]
    return "(" + (", ".join(quoted) if quoted else "NULL") + ")"


def query_lake(services: Services, datasets: Sequence[str], sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` over lake datasets (an absent dataset reads as empty: no rows).

    Raw lake access for the policy module only; views call ``read``.
    """
    with lake_session(services, datasets) as run:
        return run(sql, datasets)


LakeQuery = Callable[[str, Sequence[str]], list[dict[str, Any]]]


@contextmanager
def lake_session(services: Services, datasets: Sequence[str]) -> Iterator[LakeQuery]:
    """One engine over several lake datasets for several queries: ``run(sql, needs)`` answers
    rows, or none when a dataset ``sql`` needs is absent. Raw lake access, as ``query_lake``."""
    with _lake_engine(services, datasets) as (engine, present):

        def run(sql: str, needs: Sequence[str]) -> list[dict[str, Any]]:
            if not all(present.get(name) for name in needs):
                return []
            return engine.query(sql).to_pylist()

        yield run


@contextmanager
def _lake_engine(
    services: Services, datasets: Sequence[str]
) -> Iterator[tuple[Engine, dict[str, bool]]]:
    """An engine with ``datasets`` bound, and which had data: lent from the service's pool of
    open DuckDB engines (``lake_pool``), or opened for the call on another engine."""
    if services.settings.engine == "duckdb":
        with services.lake_pool.session(datasets) as lent:
            yield lent
        return
    lake = Lake(services.settings)
    engine = open_engine(services.settings)
    try:
        yield engine, {name: lake.register(engine, name) for name in datasets}
    finally:
        engine.close()


def read(
    services: Services,
    caller: Caller,
    name: str,
    *,
    where: str | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """Rows of lake dataset ``name`` that ``caller`` may read, cut to its allowed fields.

    ``where`` and ``order_by`` are SQL over the dataset's columns (values quoted with
    ``sql_text``). Only the rows of organisations with a grant are fetched; the policy then
    filters and projects them. ``limit`` applies after the policy, so it never hides rows.
    """
    spec = dataset(name)
    policy = policy or Policy.load(services, caller)
    owners = policy.owners(name)
    source = _LAKE_SQL.get(name, f"SELECT * FROM {name}")
    if spec.owners_are_list:
        owned = f"list_has_any({spec.owner_field}, [{', '.join(map(sql_text, owners))}])"
    else:
        owned = f"{spec.owner_field} IN {sql_list(owners)}"
    sql = f"SELECT * FROM ({source}) AS rows WHERE {owned}"
    if where:
        sql += f" AND ({where})"
    if order_by:
        sql += f" ORDER BY {order_by}"
    needs, lake = _NEEDS.get(name, (name,)), Lake(services.settings)
    found: list[dict[str, Any]] = []
    if all(lake.parts(n) for n in needs):
        engine = open_engine(services.settings)
        try:
            for dataset_name in needs:
                lake.register(engine, dataset_name)
            found = engine.query(sql).to_pylist()
            if name == "entities" and found:  # shared rows: decided per owner and field
                parts = owner_parts(lake, engine, [r["entity_id"] for r in found])
                found = [{**r, PARTS: parts.get(r["entity_id"], {})} for r in found]
        finally:
            engine.close()
    if name in _LAKE_SQL:  # outcome-like rows joined with their shipment
        found = _shipments_as_owners_read_them(services, found)
    rows = _file_names_only(policy.visible(name, found))
    return rows if limit is None else rows[:limit]


def _shipments_as_owners_read_them(
    services: Services, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Outcome rows carrying their shipment's owner, origin and port only as far as the
    outcome's owner may read that shipment: its own, or what the shipment's owner shares with it
    (fields and row filter as the gate applies them). A feed may name another organisation's
    shipments (a mapping's ``refs``), and its rows are its owner's to read whole: without this
    an outcome naming any parcel key told its owner the parcel's owner, origin and port (red
    team X1). Not granted the shipment at all, the row does not say whose it is either."""
    policies: dict[str, Policy] = {}
    out = []
    for row in rows:
        owner, shipper = str(row.get("organisation")), row.get(SHIPMENT_OWNER)
        if shipper is None or shipper == owner:
            out.append(row)
            continue
        if owner not in policies:
            policies[owner] = Policy.of_organisation(services.store, owner)
        shipment = {"id": row.get("shipment_ref"), "organisation": shipper,
                    **{f: row.get(f) for f in SHIPMENT_FIELDS}}  # fmt: skip
        grants = [g for g in policies[owner].grants.get("shipments", [])
                  if g.owner == shipper and g.admits(shipment)]  # fmt: skip
        kept = dict(row)
        for name in (SHIPMENT_OWNER, *SHIPMENT_FIELDS):
            shown = name == SHIPMENT_OWNER or any(g.fields is None or name in g.fields
                                                  for g in grants)  # fmt: skip
            if not grants or not shown:
                kept[name] = None
        out.append(kept)
    return out


def read_entities(
    services: Services, caller: Caller, entity_ids: Iterable[str], policy: Policy | None = None
) -> list[dict[str, Any]]:
    """The ``entities`` rows of ``entity_ids`` that ``caller`` may read, as ``read`` gives
    them, from the in-memory entity table (``Services.entity_table``) instead of the lake."""
    policy = policy or Policy.load(services, caller)
    fingerprint = policy.fingerprint()
    wanted: list[Hashable] = [(fingerprint, e) for e in dict.fromkeys(entity_ids)]

    def gate(keys: list[Hashable]) -> dict[Hashable, dict[str, Any] | None]:
        ids = [str(key[1]) for key in keys]  # type: ignore[index]
        rows = services.entity_table().get(ids, PARTS)
        shown = {r["entity_id"]: r for r in _file_names_only(policy.visible("entities", rows))}
        return {key: shown.get(key[1]) for key in keys}  # type: ignore[index]

    # The gate's answer for an entity depends on its row (fixed until data lands) and the
    # policy alone: kept per policy fingerprint, each caller gets its own copies.
    gated = services.memo_many("gated_entities", wanted, gate)
    return [dict(row) for key in wanted if (row := gated[key]) is not None]


def visible(
    services: Services,
    caller: Caller,
    name: str,
    rows: Iterable[dict[str, Any]],
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """Rows from elsewhere (the operational store, an index) that ``caller`` may read."""
    return _file_names_only((policy or Policy.load(services, caller)).visible(name, rows))


def _file_names_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose provenance names the source file without the server's folders."""
    for row in rows:
        source = row.get("source_file")
        if isinstance(source, str) and ("/" in source or "\\" in source):
            row["source_file"] = source.replace("\\", "/").rsplit("/", 1)[-1]
    return rows
