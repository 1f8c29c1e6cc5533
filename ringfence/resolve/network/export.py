"""Exports: mention → entity assignments (CSV/Parquet) and FollowTheMoney entities (JSON lines).

``export_entities`` writes one row per party mention with exactly the columns
``organisation, feed, source_key, entity_id, watchlisted, network_risk``.
``export_ftm`` writes one Person/Company/LegalEntity per resolved entity (with BankAccount +
Ownership entities for its accounts) plus one ``UnknownLink`` per trade relationship, for
Aleph, yente and other FtM tools.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ringfence.errors import UserError
from ringfence.resolve.network import edges
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

EXPORT_COLUMNS = ("organisation", "feed", "source_key", "entity_id", "watchlisted", "network_risk")
FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "ftm", ".jsonl": "ftm", ".ftm": "ftm"}

_RISK_SCHEMA = pa.schema([("entity_id", pa.string()), ("network_risk", pa.float64())])

EXPORT_SQL = """
WITH w AS (
    SELECT entity_id, max(CASE WHEN role = 'watchlist' THEN 1 ELSE 0 END) = 1 AS watchlisted
    FROM network_mentions GROUP BY entity_id
)
SELECT m.organisation, 'parties' AS feed, m.source_key, m.entity_id, w.watchlisted,
       r.network_risk
FROM network_mentions AS m
JOIN w ON w.entity_id = m.entity_id
LEFT JOIN network_risk AS r ON r.entity_id = m.entity_id
ORDER BY m.organisation, m.source_key
"""


_ADDRESS = "concat_ws(', ', p.street, trim(concat_ws(' ', p.postcode, p.city)), p.country)"
_LISTS = {
    "names": "p.name",
    "countries": "p.country",
    "phones": "p.phone",
    "emails": "p.email",
    "websites": "p.website",
    "identifiers": "p.identifier",
    "bank_accounts": "p.bank_account",
    "addresses": _ADDRESS,
}
_PARTY_COLUMNS = (
    "id",
    "schema_",
    "name",
    "street",
    "city",
    "postcode",
    "country",
    "phone",
    "email",
    "identifier",
    "bank_account",
    "website",
)


def _sorted_list(column: str, expr: str) -> str:
    """Distinct non-null values as a sorted list (an address needs a street to count)."""
    present = "p.street" if column == "addresses" else expr
    return f"list_sort(list(DISTINCT {expr}) FILTER (WHERE {present} IS NOT NULL)) AS {column}"


# Everything an FtM entity needs, one row per entity; lists sorted so the output is stable
# (list_sort: list(x ORDER BY x) loses its order in Spark's collect_list).
FTM_SQL = f"""
WITH p AS (
    SELECT m.entity_id, m.role, m.organisation, {", ".join("q." + c for c in _PARTY_COLUMNS)}
    FROM network_mentions AS m JOIN parties AS q ON q.id = m.mention_id
),
s AS (
    SELECT entity_id, schema_, row_number() OVER (
        PARTITION BY entity_id ORDER BY count(*) DESC, schema_) AS rank
    FROM p GROUP BY entity_id, schema_
)
SELECT p.entity_id, s.schema_ AS schema,
       {", ".join(_sorted_list(column, expr) for column, expr in _LISTS.items())},
       list_sort(list(DISTINCT p.organisation)) AS organisations,
       max(CASE WHEN p.role = 'watchlist' THEN 1 ELSE 0 END) = 1 AS watchlisted
FROM p JOIN s ON s.entity_id = p.entity_id AND s.rank = 1
GROUP BY p.entity_id, s.schema_
ORDER BY p.entity_id
"""

TRADE_SQL = """
WITH r AS ({refs}),
e AS (
    SELECT DISTINCT r.consignment, r.role, r.role_rank, m.entity_id
    FROM r JOIN network_mentions AS m ON m.mention_id = r.ref
)
SELECT a.entity_id AS src, b.entity_id AS dst, a.role AS src_role, b.role AS dst_role,
       count(DISTINCT a.consignment) AS shipments
FROM e AS a JOIN e AS b ON a.consignment = b.consignment
     AND a.entity_id <> b.entity_id AND a.role_rank < b.role_rank
GROUP BY a.entity_id, b.entity_id, a.role, b.role
ORDER BY src, dst, src_role, dst_role
"""


# Stated relations (party links but ``same_as``) between resolved entities, for FtM export.
RELATION_EXPORT_SQL = """
SELECT ea.entity_id AS src, eb.entity_id AS dst, r.kind, r.role, r.statements
FROM ({relations}) AS r
JOIN (SELECT DISTINCT entity_idx, entity_id FROM network_mentions) AS ea ON ea.entity_idx = r.src
JOIN (SELECT DISTINCT entity_idx, entity_id FROM network_mentions) AS eb ON eb.entity_idx = r.dst
ORDER BY src, dst, r.kind
"""
# Party link kind -> the FtM relationship schema it came from (and goes back to).
RELATION_SCHEMATA = {
    "ownership": "Ownership",
    "directorship": "Directorship",
    "family": "Family",
    "associate": "Associate",
    "employment": "Employment",
    "membership": "Membership",
    "representation": "Representation",
    "unknown": "UnknownLink",
}


def export_format(out: Path, fmt: str | None = None) -> str:
    """``csv``, ``parquet`` or ``ftm`` from ``--format`` or the file's extension."""
    if fmt is not None:
        if fmt not in ("csv", "parquet", "ftm"):
            raise UserError(f"unknown export format {fmt!r}: use csv, parquet or ftm")
        return fmt
    name = out.name.lower()
    if name.endswith((".ftm.json", ".ftm.jsonl")):
        return "ftm"
    found = FORMATS.get(out.suffix.lower())
    if found is None or found == "ftm":
        raise UserError(
            f"cannot tell the export format from {out.name!r}: use .csv or .parquet "
            "(or --format ftm for FollowTheMoney JSON lines)"
        )
    return found


def open_sources(settings: Settings, engine: Engine | None) -> tuple[Engine, bool]:
    """An engine (``engine`` or a new one: then ``True``) with the network's sources and
    ``network_mentions`` registered; ``UserError`` when the lake holds no party mentions."""
    lake = Lake(settings)
    if not lake.has("parties"):
        raise UserError("no party mentions in the lake: ingest some feeds first")
    own = engine is None
    engine = engine or open_engine(settings)
    edges.register_sources(lake, engine)
    lake.register(engine, "network_risk", _RISK_SCHEMA)
    engine.register_arrow("network_mentions", engine.query(edges.MENTIONS_SQL))
    return engine, own


def export_entities(
    settings: Settings, out: Path, fmt: str | None = None, engine: Engine | None = None
) -> int:
    """Write the mention → entity table (or FtM when the format says so); returns rows."""
    kind = export_format(out, fmt)
    if kind == "ftm":
        return export_ftm(settings, out, engine)
    engine, own = open_sources(settings, engine)
    try:
        table = engine.query(EXPORT_SQL).select(list(EXPORT_COLUMNS))
    finally:
        if own:
            engine.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        pacsv.write_csv(table, out)
    else:
        pq.write_table(table, out, compression="zstd")
    return table.num_rows


def ftm_model() -> Any:
    """followthemoney's model, imported on first use: it parses its schema files on import
    (about half a second), which every other command would otherwise pay for."""
    from followthemoney import model

    return model


def ftm_id(*parts: str) -> str:
    """Deterministic FtM id (make_id style): ``rf-`` and the SHA-1 of the parts."""
    return "rf-" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def entity_proxies(row: dict[str, Any]) -> list[dict[str, Any]]:
    """FtM entities for one resolved entity row of FTM_SQL, validated by the FtM model.

    The party itself (Person/Company/LegalEntity), and per bank account a ``BankAccount`` with
    an ``Ownership`` tying it to the party (FtM parties have no bank-account property).
    """
    schema = str(row.get("schema") or "LegalEntity")
    proxy = ftm_model().make_entity(schema if schema in ("Person", "Company") else "LegalEntity")
    proxy.id = ftm_id("entity", str(row["entity_id"]))
    for prop, column in (
        ("name", "names"),
        ("country", "countries"),
        ("phone", "phones"),
        ("email", "emails"),
        ("website", "websites"),
        ("registrationNumber", "identifiers"),
        ("address", "addresses"),
        ("publisher", "organisations"),
    ):
        proxy.add(prop, row.get(column) or [], quiet=True)
    if row.get("watchlisted"):
        proxy.add("topics", "crime", quiet=True)
    out = [proxy.to_dict()]
    for number in row.get("bank_accounts") or []:
        account = ftm_model().make_entity("BankAccount")
        account.id = ftm_id("bank_account", str(number))
        account.add("accountNumber", number)
        account.add("iban", number, quiet=True)  # kept only if it is a valid IBAN
        owner = ftm_model().make_entity("Ownership")
        owner.id = ftm_id("owns", proxy.id, account.id)
        owner.add("owner", proxy.id)
        owner.add("asset", account.id)
        out += [account.to_dict(), owner.to_dict()]
    return out


def link_proxy(row: dict[str, Any]) -> dict[str, Any]:
    """One UnknownLink for a trade relationship between two entities."""
    proxy = ftm_model().make_entity("UnknownLink")
    src, dst = str(row["src"]), str(row["dst"])
    proxy.id = ftm_id("trade", src, dst, str(row["src_role"]), str(row["dst_role"]))
    proxy.add("subject", ftm_id("entity", src))
    proxy.add("object", ftm_id("entity", dst))
    proxy.add("role", f"{row['src_role']} → {row['dst_role']}")
    proxy.add("summary", f"{row['shipments']} shipment(s) together")
    return proxy.to_dict()


def relation_proxy(row: dict[str, Any]) -> dict[str, Any]:
    """One FtM relationship (Ownership, Directorship ...) for a stated relation."""
    schema = ftm_model().get(RELATION_SCHEMATA.get(str(row["kind"]), "UnknownLink"))
    proxy = ftm_model().make_entity(schema)
    src, dst = str(row["src"]), str(row["dst"])
    proxy.id = ftm_id("relation", src, dst, str(row["kind"]))
    proxy.add(schema.edge_source, ftm_id("entity", src))
    proxy.add(schema.edge_target, ftm_id("entity", dst))
    if row.get("role"):
        proxy.add("role", row["role"], quiet=True)
    return proxy.to_dict()


def export_ftm(settings: Settings, out: Path, engine: Engine | None = None) -> int:
    """Write FtM JSON lines: entities, then trade links and stated relations; returns the
    number of lines."""
    engine, own = open_sources(settings, engine)
    try:
        entities = engine.query(FTM_SQL).to_pylist()
        trade = engine.query(TRADE_SQL.format(refs=edges.role_refs_sql())).to_pylist()
        relations = engine.query(
            RELATION_EXPORT_SQL.format(relations=edges.RELATIONS_SQL)
        ).to_pylist()
    finally:
        if own:
            engine.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = 0
    with out.open("w", encoding="utf-8") as handle:
        seen: set[str] = set()  # a bank account shared by several entities is written once
        for row in entities:
            for entity in entity_proxies(row):
                if entity["id"] in seen:
                    continue
                seen.add(entity["id"])
                handle.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                lines += 1
        links = [link_proxy(row) for row in trade] + [relation_proxy(r) for r in relations]
        for link in links:
            handle.write(json.dumps(link, ensure_ascii=False, sort_keys=True) + "\n")
            lines += 1
    return lines
