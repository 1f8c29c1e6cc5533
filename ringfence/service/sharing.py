"""The sharing policy engine: what each organisation may read, row by row and field by field.

An organisation always reads everything it supplied. It reads another organisation's rows only
through a live sharing agreement (owner → recipient, dataset, fields, optional row filter), and
then only the agreed fields. Every view reads data through ``read`` (lake datasets) or
``visible`` (rows from the operational store); both end in ``Policy.visible``, the single place
where rows are filtered and fields projected, so no view can bypass the policy.

Row filters map a field to a value or a list of values; two placeholders make standing
agreements possible: ``$recipient`` (the recipient's slug — a carrier sees holds on its own
parcels with ``{"shipment_organisation": "$recipient"}``) and ``$recipient_brands`` (the brand
names and aliases of the recipient's approved brand registrations — a brand sees seizures of its
own goods with ``{"brand": "$recipient_brands"}``).

Rows several organisations own (resolved entities) are decided per field: a co-owner's grant
shares only what that co-owner's own records hold (``Policy._shared_row``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ringfence.errors import UserError
from ringfence.model.feeds import feeds
from ringfence.service.context import Caller, Services
from ringfence.service.ownership import owner_parts
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

ALL_FIELDS = "*"
RECIPIENT = "$recipient"
RECIPIENT_BRANDS = "$recipient_brands"
# A shared row's per-owner contributions (owner → that owner's own values of the row's fields).
PARTS = "_parts"
# Per owner of a row, the fields it lets the reader see (None: all of them).
Consent = dict[str, set[str] | frozenset[str] | None]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset the policy governs: where its rows come from and whose they are."""

    name: str
    description: str
    owner_field: str = "organisation"  # a list field for datasets several organisations supply
    key_fields: tuple[str, ...] = ("id", "organisation")  # always visible with any visible row
    owners_are_list: bool = False


# Rows of outcome-like datasets carry their shipment's owner and origin, so agreements can
# filter on them (a carrier's own parcels) and dashboards can group by them.
_OUTCOME_SQL = (
    "SELECT o.*, s.organisation AS shipment_organisation, s.origin_country, s.port "
    "FROM outcomes o LEFT JOIN shipments s ON s.id = o.shipment_ref"
)
_LAKE_SQL = {
    "outcomes": _OUTCOME_SQL,
    "seizures": f"SELECT * FROM ({_OUTCOME_SQL}) WHERE result = 'seized' AND positive",
}
_NEEDS = {"outcomes": ("outcomes", "shipments"), "seizures": ("outcomes", "shipments")}


def _specs() -> dict[str, DatasetSpec]:
    specs = {name: DatasetSpec(name, f"the {name} feed") for name in feeds()}
    specs["quarantine"] = DatasetSpec("quarantine", "rows refused at ingest, with reasons")
    specs["field_problems"] = DatasetSpec(
        "field_problems", "values of accepted rows that did not clean at ingest, with reasons"
    )
    specs["seizures"] = DatasetSpec(
        "seizures", "positive seizure outcomes (feed and recorded), with the shipment's origin"
    )
    specs["inspection_tasks"] = DatasetSpec("inspection_tasks", "the inspection queue")
    specs["recorded_outcomes"] = DatasetSpec(
        "recorded_outcomes", "inspection outcomes recorded in the service"
    )
    specs["cases"] = DatasetSpec("cases", "investigations: items, notes, evidence and custody")
    specs["code_scans"] = DatasetSpec(
        "code_scans", "scans of brands' signed unit codes by customs, carriers and marketplaces"
    )
    specs["listing_actions"] = DatasetSpec(
        "listing_actions", "a marketplace's holds, take-downs and suspensions, and their ends"
    )
    specs["listing_reviews"] = DatasetSpec(
        "listing_reviews", "a marketplace's analyst review queue of listings"
    )
    specs["pageview_measure"] = DatasetSpec(
        "pageview_measure",
        "a marketplace's page views with no valid complaint, per day and brand (the measure)",
    )
    specs["brand_complaints"] = DatasetSpec(
        "brand_complaints", "notices a brand filed against listings, with their outcomes"
    )
    specs["received_complaints"] = DatasetSpec(
        "received_complaints",
        "brands' notices a marketplace received against its listings, with their outcomes",
        owner_field="marketplace",
        key_fields=("id", "marketplace"),
    )
    specs["entities"] = DatasetSpec(
        "entities",
        "resolved entities (with network risk); owned by every organisation that mentions one",
        owner_field="organisations",
        key_fields=("entity_id",),
        owners_are_list=True,
    )
    return specs


DATASETS: dict[str, DatasetSpec] = _specs()


def dataset(name: str) -> DatasetSpec:
    """The spec of dataset ``name``; ``UserError`` naming the known ones otherwise."""
    if name not in DATASETS:
        raise UserError(f"unknown dataset {name!r}; use one of {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


@dataclass(frozen=True)
class Grant:
    """One live agreement as the policy applies it: fields (None = all) and a resolved filter."""

    owner: str
    fields: frozenset[str] | None
    row_filter: dict[str, frozenset[str]]

    def admits(self, row: dict[str, Any]) -> bool:
        """Whether ``row`` matches every condition of the row filter (case-insensitively)."""
        for name, allowed in self.row_filter.items():
            value = row.get(name)
            values = value if isinstance(value, list) else [value]
            if not any(v is not None and str(v).casefold() in allowed for v in values):
                return False
        return True


@dataclass
class Policy:
    """The grants one organisation holds, by dataset, and the function that applies them."""

    organisation: str
    grants: dict[str, list[Grant]] = field(default_factory=dict)

    @classmethod
    def load(cls, services: Services, caller: Caller) -> Policy:
        """The live agreements of which ``caller``'s organisation is the recipient."""
        return cls.of_organisation(services.store, caller.organisation)

    @classmethod
    def of_organisation(cls, store: OperationalStore, organisation: str) -> Policy:
        """The live agreements of which ``organisation`` is the recipient (for work done
        outside a request, e.g. the CLI acting for a marketplace)."""
        policy = cls(organisation)
        agreements = store.live_grants(organisation)
        brands: frozenset[str] | None = None
        for agreement in agreements:
            resolved: dict[str, frozenset[str]] = {}
            for name, wanted in (agreement.row_filter or {}).items():
                values = wanted if isinstance(wanted, list) else [wanted]
                if RECIPIENT_BRANDS in values:  # as ``recipient_brands``
                    brands = (
                        brands if brands is not None else store.approved_brand_names(organisation)
                    )
                expanded = _expand(values, organisation, brands or frozenset())
                resolved[name] = frozenset(v.casefold() for v in expanded)
            fields = None if ALL_FIELDS in agreement.fields else frozenset(agreement.fields)
            grant = Grant(agreement.owner, fields, resolved)
            policy.grants.setdefault(agreement.dataset, []).append(grant)
        return policy

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything the policy decides by, as one hashable value: cached answers derived
        through the policy are keyed by it, so a changed agreement or brand never meets them."""
        return (
            self.organisation,
            tuple(
                sorted(
                    (
                        name,
                        grant.owner,
                        # (False,) all fields, (True, ...) those: comparable when sorted
                        (False,) if grant.fields is None else (True, *sorted(grant.fields)),
                        tuple(sorted((k, tuple(sorted(v))) for k, v in grant.row_filter.items())),
                    )
                    for name, grants in self.grants.items()
                    for grant in grants
                )
            ),
        )

    def owners(self, name: str) -> list[str]:
        """Organisations whose rows of dataset ``name`` may be visible: itself and grantors."""
        return sorted({self.organisation, *(g.owner for g in self.grants.get(name, []))})

    def filters_rows(self, name: str) -> bool:
        """Whether some grant on dataset ``name`` has a row filter (so needs whole rows)."""
        return any(g.row_filter for g in self.grants.get(name, []))

    def visible(self, name: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """THE policy gate: the rows the organisation may read, each cut to its allowed fields.

        Own rows come whole. Another owner's row is kept when some grant of that owner admits
        it; its fields are the union over those grants, plus the dataset's key fields. A row
        several organisations own (an entity) is decided field by field: see ``_shared_row``.
        """
        spec = dataset(name)
        grants = self.grants.get(name, [])
        shown: list[dict[str, Any]] = []
        for row in rows:
            if spec.owners_are_list:
                kept = self._shared_row(spec, row, grants)
                if kept is not None:
                    shown.append(kept)
                continue
            owners = _owners_of(row, spec)
            if self.organisation in owners:
                shown.append(row)
                continue
            fields: set[str] = set()
            admitted = False
            for grant in grants:
                if grant.owner in owners and grant.admits(row):
                    admitted = True
                    if grant.fields is None:
                        fields = set(row)
                        break
                    fields |= grant.fields
            if admitted:
                keep = fields | set(spec.key_fields)
                shown.append({k: v for k, v in row.items() if k in keep})
        return shown

    def consent(self, spec: DatasetSpec, row: dict[str, Any], grants: list[Grant]) -> Consent:
        """Per owner of ``row``, the fields it lets this organisation read (None: all).

        The organisation itself consents to everything; an owner without an admitting grant
        is absent.
        """
        allowed: Consent = {}
        for owner in _owners_of(row, spec):
            if owner == self.organisation:
                allowed[owner] = None
        for grant in grants:
            owner = grant.owner
            if owner not in _owners_of(row, spec) or owner == self.organisation:
                continue
            if not grant.admits(row):
                continue
            if grant.fields is None or allowed.get(owner, set()) is None:
                allowed[owner] = None
            else:
                allowed[owner] = (allowed.get(owner) or set()) | grant.fields
        return allowed

    def _shared_row(
        self, spec: DatasetSpec, row: dict[str, Any], grants: list[Grant]
    ) -> dict[str, Any] | None:
        """A row several organisations own, cut by per-field ownership (None: not visible).

        A field's value is shown only as far as the owners whose records hold it consent: with
        the row's ``_parts`` (each owner's own contribution, ``ownership.owner_parts``) the
        field is rebuilt from the parts of consenting owners; without parts (a row built from
        an index) a field is shown only when every owner consents to it.
        """
        allowed = self.consent(spec, row, grants)
        if not allowed:
            return None
        owners = _owners_of(row, spec)
        parts: dict[str, dict[str, Any]] | None = row.get(PARTS)
        out = {k: row[k] for k in spec.key_fields if k in row}
        for name, value in row.items():
            if name == PARTS or name in out:
                continue
            consenting = [o for o, fields in allowed.items() if fields is None or name in fields]
            if parts is not None and any(name in p for p in parts.values()):
                held = [parts[o][name] for o in consenting if o in parts and name in parts[o]]
                merged = _merge(value, held)
                if merged is not None:
                    out[name] = merged
            elif set(owners) <= set(consenting):
                out[name] = value
        return out


def _merge(value: Any, held: list[Any]) -> Any:
    """One field of a shared row rebuilt from the values the consenting owners' records hold.

    Lists are united, counts added, flags or-ed; a single value is the row's own when some
    consenting owner holds it, else the first consenting owner's.
    """
    present = [h for h in held if h is not None]
    if not present:
        return None
    if isinstance(value, list) or isinstance(present[0], list):
        return sorted({item for h in present for item in (h or []) if item is not None}, key=str)
    if isinstance(present[0], bool):
        return any(present)
    if isinstance(present[0], int):
        return sum(present)
    return value if value in present else present[0]


def _expand(values: Sequence[Any], recipient: str, brands: frozenset[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value == RECIPIENT:
            out.append(recipient)
        elif value == RECIPIENT_BRANDS:
            out.extend(brands)
        else:
            out.append(str(value))
    return out


def _owners_of(row: dict[str, Any], spec: DatasetSpec) -> list[str]:
    owner = row.get(spec.owner_field)
    if spec.owners_are_list:
        return list(owner or [])
    return [owner] if owner is not None else []


def recipient_brands(services: Services, caller: Caller) -> frozenset[str]:
    """Brand names and aliases of the organisation's approved brand registrations.

    Never the organisation's own ``brands`` feed: a brand declaring another brand's name as an
    alias there would see that brand's seizures.
    """
    return services.store.approved_brand_names(caller.organisation)


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
    rows = _file_names_only(policy.visible(name, found))
    return rows if limit is None else rows[:limit]


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
