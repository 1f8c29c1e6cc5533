"""A case as a referral package: FtM JSON lines a prosecutor's or partner's tools can read.

The case's entities (with aliases, identifiers and bank accounts), the trade links and stated
relations between them, its shipments and seizures (``Event`` entities naming the parties
``involved``), its listings (``Asset`` owned by the seller's entity) and seller accounts
(``UserAccount``), and its evidence (``Document`` with file name, size and SHA-256). Every entity
a property refers to is in the file: the parties of a shipment come along with it.
"""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ringfence.cases.vault import sha256_of, stored_path
from ringfence.cases.views import case_dict
from ringfence.errors import UserError
from ringfence.model.records.base import make_id
from ringfence.resolve.network import edges
from ringfence.resolve.network.export import (
    FTM_SQL,
    RELATION_EXPORT_SQL,
    TRADE_SQL,
    entity_proxies,
    ftm_id,
    ftm_model,
    link_proxy,
    open_sources,
    relation_proxy,
)
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

REF_ROLES = edges.SHIPMENT_ROLES


def _in(values: set[str]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))
    return f"({quoted or 'NULL'})"


class _Lake:
    """Queries over the lake's datasets for one export (absent datasets answer nothing)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.engine, lake = engine, Lake(settings)
        self.present = {
            name: lake.register(engine, name)
            for name in ("shipments", "outcomes", "listings", "sellers")
        }

    def rows(self, dataset: str, sql: str) -> list[dict[str, Any]]:
        return self.engine.query(sql).to_pylist() if self.present.get(dataset) else []

    def entity_of_mentions(self, mentions: set[str]) -> dict[str, str]:
        sql = (
            "SELECT mention_id, entity_id FROM network_mentions "
            f"WHERE mention_id IN {_in(mentions)}"
        )
        return {r["mention_id"]: r["entity_id"] for r in self.engine.query(sql).to_pylist()}

    def entity_of_sellers(self, sellers: list[dict[str, Any]]) -> dict[str, str]:
        """Seller id -> entity of its party mention (keyed ``seller:<key>``, ``make_id``)."""
        mention = {
            s["id"]: make_id(s["organisation"], "parties", f"seller:{s['source_key']}")
            for s in sellers
        }
        entity = self.entity_of_mentions(set(mention.values()))
        return {seller: entity[m] for seller, m in mention.items() if m in entity}


def referral_entities(
    settings: Settings, store: OperationalStore, case_id: str
) -> list[dict[str, Any]]:
    """The FtM entities of case ``case_id``, parties first, every reference resolvable."""
    shown = case_dict(store, case_id)
    wanted = {
        k: {i["ref"] for i in shown["items"] if i["kind"] == k}
        for k in ("entity", "shipment", "listing", "seller")
    }
    engine, own = open_sources(settings, None)
    try:
        lake = _Lake(settings, engine)
        shipments = lake.rows(
            "shipments", f"SELECT * FROM shipments WHERE id IN {_in(wanted['shipment'])}"
        )
        seizures = lake.rows(
            "outcomes",
            "SELECT * FROM outcomes WHERE positive AND "
            f"shipment_ref IN {_in({s['id'] for s in shipments})}",
        )
        listings = lake.rows(
            "listings", f"SELECT * FROM listings WHERE id IN {_in(wanted['listing'])}"
        )
        seller_ids = wanted["seller"] | {str(x["seller_ref"]) for x in listings if x["seller_ref"]}
        sellers = lake.rows("sellers", f"SELECT * FROM sellers WHERE id IN {_in(seller_ids)}")
        party_of = lake.entity_of_mentions(
            {str(s[f"{r}_ref"]) for s in shipments for r in REF_ROLES if s[f"{r}_ref"]}
        )
        owner_of = lake.entity_of_sellers(sellers)
        entities = wanted["entity"] | set(party_of.values()) | set(owner_of.values())
        out = _parties(engine, entities)
        out += _links(engine, entities)
    finally:
        if own:
            engine.close()
    out += [_shipment(s, party_of) for s in shipments]
    out += [_seizure(o, {s["id"]: s for s in shipments}) for o in seizures]
    for seller in sellers:
        out += _seller(seller, owner_of.get(seller["id"]))
    for listing in listings:
        out += _listing(listing, owner_of.get(str(listing["seller_ref"])))
    out += [_document(e) for e in shown["evidence"]]
    return out


def _parties(engine: Engine, entities: set[str]) -> list[dict[str, Any]]:
    rows = engine.query(f"SELECT * FROM ({FTM_SQL}) AS f WHERE f.entity_id IN {_in(entities)}")
    out, seen = [], set()
    for row in rows.to_pylist():
        for proxy in entity_proxies(row):
            if proxy["id"] not in seen:
                seen.add(proxy["id"])
                out.append(proxy)
    return out


def _links(engine: Engine, entities: set[str]) -> list[dict[str, Any]]:
    within = f"src IN {_in(entities)} AND dst IN {_in(entities)}"
    trade = engine.query(
        f"SELECT * FROM ({TRADE_SQL.format(refs=edges.role_refs_sql())}) AS t WHERE {within}"
    ).to_pylist()
    stated = engine.query(
        f"SELECT * FROM ({RELATION_EXPORT_SQL.format(relations=edges.RELATIONS_SQL)}) AS r "
        f"WHERE {within}"
    ).to_pylist()
    return [link_proxy(r) for r in trade] + [relation_proxy(r) for r in stated]


def _make(schema: str, *key: str) -> Any:
    proxy = ftm_model().make_entity(schema)
    proxy.id = ftm_id(*key)
    return proxy


def _shipment(row: dict[str, Any], party_of: dict[str, str]) -> dict[str, Any]:
    proxy = _make("Event", "shipment", str(row["id"]))
    proxy.add("name", f"Shipment {row.get('tracking_number') or row['source_key']}")
    proxy.add("date", str(row["date"]) if row.get("date") else None, quiet=True)
    proxy.add("country", row.get("origin_country"), quiet=True)
    proxy.add("location", row.get("port"), quiet=True)
    goods = [
        row.get("description"),
        row.get("hs_code") and f"HS {row['hs_code']}",
        row.get("declared_value") and f"{row['declared_value']} {row.get('currency') or ''}",
    ]
    proxy.add("summary", "; ".join(str(g).strip() for g in goods if g) or None, quiet=True)
    proxy.add("recordId", str(row["source_key"]))
    proxy.add("publisher", row["organisation"])
    for role in REF_ROLES:
        entity = party_of.get(str(row.get(f"{role}_ref")))
        if entity:
            proxy.add("involved", ftm_id("entity", entity))
    return proxy.to_dict()


def _seizure(row: dict[str, Any], shipments: dict[str, dict[str, Any]]) -> dict[str, Any]:
    shipment = shipments[row["shipment_ref"]]
    proxy = _make("Event", "seizure", str(row["id"]))
    proxy.add(
        "name",
        f"Seizure: {row.get('result') or row.get('label')} "
        f"({shipment.get('tracking_number') or shipment['source_key']})",
    )
    proxy.add("date", str(row["date"]) if row.get("date") else None, quiet=True)
    found = [
        row.get("goods_found"),
        row.get("brand"),
        row.get("units") and f"{row['units']} units",
        row.get("value") and f"{row['value']} {row.get('currency') or ''}",
    ]
    proxy.add("summary", "; ".join(str(f).strip() for f in found if f) or None, quiet=True)
    proxy.add("publisher", row["organisation"])
    proxy.add("involved", ftm_id("shipment", str(shipment["id"])))
    return proxy.to_dict()


def _seller(row: dict[str, Any], entity: str | None) -> list[dict[str, Any]]:
    proxy = _make("UserAccount", "seller", str(row["id"]))
    proxy.add("username", str(row["source_key"]))
    proxy.add("service", row["organisation"])
    proxy.add("email", row.get("email"), quiet=True)
    if entity:
        proxy.add("owner", ftm_id("entity", entity))
    return [proxy.to_dict()]


def _listing(row: dict[str, Any], entity: str | None) -> list[dict[str, Any]]:
    proxy = _make("Asset", "listing", str(row["id"]))
    proxy.add("name", row.get("title") or f"Listing {row['source_key']}")
    proxy.add("amount", row.get("price"), quiet=True)
    proxy.add("currency", row.get("currency"), quiet=True)
    proxy.add(
        "description",
        "; ".join(
            str(v) for v in (row.get("brand"), row.get("gtin") and f"GTIN {row['gtin']}") if v
        )
        or None,
        quiet=True,
    )
    proxy.add("publisher", row["organisation"])
    out = [proxy.to_dict()]
    if entity:
        owner = _make("Ownership", "sells", entity, proxy.id)
        owner.add("owner", ftm_id("entity", entity))
        owner.add("asset", proxy.id)
        owner.add("role", "seller")
        out.append(owner.to_dict())
    return out


def _document(item: dict[str, Any]) -> dict[str, Any]:
    proxy = _make("Document", "evidence", item["sha256"])
    proxy.add("fileName", item["file_name"])
    proxy.add("fileSize", str(item["size"]))
    proxy.add("title", f"{item['kind'].replace('_', ' ')}: {item['file_name']}")
    proxy.add("summary", f"SHA-256 {item['sha256']}; held by {item['custodian']}")
    return proxy.to_dict()


def bundle_name(sha256: str, file_name: str, limit: int = 255) -> str:
    """``<sha256>-<name>`` within ``limit`` bytes (a file system's name limit): a long name's
    stem is cut, its suffix (up to 16 characters) kept."""
    name = f"{sha256}-{file_name}"
    if len(name.encode("utf-8")) <= limit:
        return name
    suffix = Path(file_name).suffix if len(Path(file_name).suffix) <= 16 else ""
    room = limit - len(f"{sha256}-{suffix}".encode())
    stem = file_name[: len(file_name) - len(suffix)].encode("utf-8")[:room]
    return f"{sha256}-{stem.decode('utf-8', 'ignore')}{suffix}"


def write_referral(
    settings: Settings, store: OperationalStore, case_id: str, out: Path, bundle: Path | None = None
) -> dict[str, Any]:
    """Write the case's FtM JSON lines to ``out``; with ``bundle``, copy its evidence files
    there with a manifest of their hashes and an HTML summary. Returns the manifest."""
    entities = referral_entities(settings, store, case_id)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for entity in entities:
                handle.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
    except OSError as exc:
        raise UserError(f"{out}: cannot write it ({exc.strerror or exc})") from None
    shown = case_dict(store, case_id)
    manifest = {
        "case": {k: shown[k] for k in ("id", "title", "status", "organisation", "opened_at")},
        "exported_at": datetime.now(UTC).isoformat(),
        "ftm": {"file": out.name, "sha256": sha256_of(out), "entities": len(entities)},
        "evidence": [
            {
                "file": f"evidence/{bundle_name(e['sha256'], e['file_name'])}",
                "sha256": e["sha256"],
                "size": e["size"],
                "kind": e["kind"],
                "custodian": e["custodian"],
                "custody": e["custody"],
            }
            for e in shown["evidence"]
        ],
    }
    if bundle is not None:
        try:
            _write_bundle(settings, bundle, shown, manifest)
        except OSError as exc:
            raise UserError(f"{bundle}: cannot write it ({exc.strerror or exc})") from None
    return manifest


def _write_bundle(
    settings: Settings, bundle: Path, shown: dict[str, Any], manifest: dict[str, Any]
) -> None:
    (bundle / "evidence").mkdir(parents=True, exist_ok=True)
    for item, listed in zip(shown["evidence"], manifest["evidence"], strict=True):
        target, source = bundle / listed["file"], stored_path(settings, item["sha256"])
        if not source.is_file():
            raise UserError(
                f"evidence {item['id']} ({item['file_name']}) is missing from the vault: "
                "run `ringfence case verify`"
            )
        shutil.copyfile(source, target)
        if sha256_of(target) != item["sha256"]:
            raise UserError(
                f"evidence {item['id']} ({item['file_name']}) no longer has its "
                "recorded SHA-256: run `ringfence case verify` before referring"
            )
    (bundle / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (bundle / "summary.html").write_text(summary_html(shown, manifest), encoding="utf-8")


def summary_html(shown: dict[str, Any], manifest: dict[str, Any]) -> str:
    """A self-contained page for a prosecutor or a court: the case, its items, evidence with
    hashes and custody, and notes."""
    e = html.escape
    items = "".join(
        f"<tr><td>{e(i['kind'])}</td><td>{e(i['ref'])}</td><td>{e(i['note'] or '')}</td></tr>"
        for i in shown["items"]
    )
    evidence = "".join(
        f"<tr><td>{e(x['file'])}</td><td><code>{e(x['sha256'])}</code></td>"
        f"<td>{x['size']:,}</td><td>{'<br>'.join(_step(s) for s in x['custody'])}</td></tr>"
        for x in manifest["evidence"]
    )
    notes = "".join(
        f"<li>{e(n['at'][:16])} {e(n['author'])}: {e(n['text'])}</li>" for n in shown["notes"]
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Case {e(shown["id"])}: {e(shown["title"])}</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #999;padding:.3rem;
text-align:left;vertical-align:top}}code{{font-size:12px;word-break:break-all}}</style></head>
<body><h1>{e(shown["title"])}</h1>
<p>Case {e(shown["id"])} of {e(shown["organisation"])}, {e(shown["status"])}; opened
{e(shown["opened_at"][:10])} by {e(shown["opened_by"])}. Exported {e(manifest["exported_at"][:16])}
UTC. FtM file {e(manifest["ftm"]["file"])} ({manifest["ftm"]["entities"]} entities), SHA-256
<code>{e(manifest["ftm"]["sha256"])}</code>.</p>
<h2>What the case is about</h2><table><tr><th>kind</th><th>id</th><th>note</th></tr>{items}
</table><h2>Evidence</h2><table><tr><th>file</th><th>SHA-256</th><th>bytes</th>
<th>chain of custody</th></tr>{evidence}</table><h2>Notes</h2><ul>{notes}</ul></body></html>
"""


def _step(step: dict[str, Any]) -> str:
    e = html.escape
    return (
        f"{e(step['at'][:16])}: {e(step['from'] or 'collected')} &rarr; {e(step['to'])} "
        f"({e(step['why'] or '')}; {e(step['by'])})"
    )
