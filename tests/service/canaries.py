"""A world whose every organisation holds canary records: values that exist nowhere else, so a
response carrying one can only have taken it from that organisation's records.

Each organisation gets three parties (two sharing a phone, two sharing an e-mail, so the network
links them), two shipments between them, a seizure and a watchlist entry, plus a twin of another
organisation's party with canary identifiers (so an entity both own carries them). The world is
then resolved again and its network risk recomputed, so canaries reach entities, links and paths.
Which lake cells hold each canary is read back from the lake (``CanaryWorld.cells``): the test
decides from those cells and the live agreements whether a canary may reach a reader.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.ingest import ingest_files
from ringfence.resolve.network.risk import compute_network_risk
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

# Syllables for names no simulated party has; each organisation's are different words.
_SYLLABLES = ("vor", "quel", "brix", "dran", "ol", "pim", "zat", "hu", "gel", "mok", "tre", "yas")
DATASETS = ("parties", "shipments", "outcomes", "watchlist", "entities")


def _word(i: int, j: int, k: int) -> str:
    parts = [_SYLLABLES[(7 * i + 3 * j + k + n * 5) % len(_SYLLABLES)] for n in range(3)]
    return "".join(parts).capitalize()


@dataclass
class CanaryWorld:
    """The canaries: value → owning organisation, and where each sits in the lake."""

    owner: dict[str, str] = field(default_factory=dict)
    # canary → [(dataset, field, row)] for every lake cell holding it
    cells: dict[str, list[tuple[str, str, dict[str, Any]]]] = field(default_factory=dict)
    parties: dict[str, list[str]] = field(default_factory=dict)  # org → canary party names
    shipments: dict[str, list[str]] = field(default_factory=dict)  # org → canary shipment ids
    entities: dict[str, list[str]] = field(default_factory=dict)  # org → canary entity ids
    twins: dict[str, str] = field(default_factory=dict)  # org → entity of its twin party

    @property
    def pattern(self) -> re.Pattern[str]:
        """One regular expression matching every canary (case-insensitively)."""
        alternatives = sorted(self.owner, key=len, reverse=True)
        return re.compile("|".join(re.escape(a) for a in alternatives), re.IGNORECASE)


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _files(
    folder: Path, i: int, world: CanaryWorld, org: str, twin: dict[str, Any]
) -> dict[str, Path]:
    """The canary feeds of organisation number ``i``; ``twin`` is another organisation's party
    that one canary party copies (so they resolve to one entity both own), adding canaries."""
    names = [f"{_word(i, j, 0)} {_word(i, j, 1)} Kx{i}{j}" for j in range(3)]
    phone, email = f"+316{i:02d}975310", f"kx{i}mail@canary{i}.example"
    parties = [
        {
            "id": f"kxp{i}-{j}",
            "name": names[j],
            "street": f"Kxstraat {i}{j}",
            "city": f"Kxcity{i}{j}",
            "postcode": f"9{i}{j}1",
            "country": "NL",
            "phone": phone if j < 2 else f"+316{i:02d}975320",
            "email": email if j > 0 else f"kx{i}other@canary{i}.example",
            "identifier": f"KXID{i}{j}QZ",
            "bank_account": f"9{i}{j}77553311",
            "role": "shipper" if j == 0 else "consignee",
        }
        for j in range(3)
    ]
    parties.append(
        {
            **{k: twin.get(k) for k in ("name", "street", "city", "postcode", "country")},
            **{k: twin.get(k) for k in ("phone", "email")},
            "id": f"kxp{i}-t",
            "identifier": f"KXTW{i}QZ",
            "bank_account": f"8{i}66442211",
            "role": "consignee",
        }
    )
    world.owner[f"KXTW{i}QZ"] = org
    world.owner[f"8{i}66442211"] = org
    shipments = [
        {
            "id": f"kxs{i}-{j}",
            "date": "2025-01-20",
            "origin_country": "CN",
            "port": "RTM",
            "hs_code": "640419",
            "description": f"Kxgoods{i}{j} boots",
            "carrier": f"Kxcarrier{i}",
            "tracking_number": f"KXTN{i}{j}",
            "declared_value": "10",
            "currency": "EUR",
            "shipper": f"kxp{i}-0",
            "consignee": f"kxp{i}-{j + 1}",
        }
        for j in range(2)
    ]
    outcomes = [
        {
            "id": f"kxo{i}-0",
            "shipment": f"kxs{i}-0",
            "label": "counterfeit",
            "positive": "1",
            "date": "2025-01-21",
            "result": "seized",
            "goods_found": f"Kxfound{i} trainers",
            "brand": f"Kxbrand{i}",
            "units": "3",
            "value": "99",
            "currency": "EUR",
        }
    ]
    watchlist = [
        {
            "id": f"kxw{i}-0",
            "name": names[0],
            "country": "NL",
            "phone": phone,
            "notes": f"Kxnote{i} internal",
            "evidence_ref": f"KXCASE{i}",
            "brand": f"Kxbrand{i}",
        }
    ]
    for value in (
        *names,
        phone,
        email,
        f"+316{i:02d}975320",
        f"kx{i}other@canary{i}.example",
        f"Kxnote{i}",
        f"KXCASE{i}",
        f"Kxbrand{i}",
        f"Kxfound{i}",
        f"Kxcarrier{i}",
    ):
        world.owner[value] = org
    for j in range(3):
        for value in (f"Kxstraat {i}{j}", f"Kxcity{i}{j}", f"KXID{i}{j}QZ", f"9{i}{j}77553311"):
            world.owner[value] = org
    for j in range(2):
        world.owner[f"Kxgoods{i}{j}"] = org
        world.owner[f"KXTN{i}{j}"] = org
    world.parties[org] = names
    return {
        "parties": _write(folder / "parties.csv", parties),
        "shipments": _write(folder / "shipments.csv", shipments),
        "outcomes": _write(folder / "outcomes.csv", outcomes),
        "watchlist": _write(folder / "watchlist.csv", watchlist),
    }


def add_canaries(settings: Settings, organisations: list[str]) -> CanaryWorld:
    """Ingest every organisation's canary feeds, resolve again, and locate every canary."""
    world = CanaryWorld()
    twins = _twins(settings, organisations)
    for i, org in enumerate(organisations):
        files = _files(settings.data_dir / "canaries" / org, i, world, org, twins[org])
        for feed in ("parties", "shipments", "outcomes", "watchlist"):
            ingest_files(settings, feed, [files[feed]], organisation=org)
    resolve_parties(settings)
    compute_network_risk(settings)
    _locate(settings, world)
    return world


def _twins(settings: Settings, organisations: list[str]) -> dict[str, dict[str, Any]]:
    """For each organisation, a different party of the carrier (the carrier: of customs)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "parties")
        rows = engine.query(
            "SELECT * FROM parties WHERE organisation IN ('swiftpost', 'customs-nl') "
            "AND name IS NOT NULL AND street IS NOT NULL ORDER BY id"
        ).to_pylist()
    finally:
        engine.close()
    carrier = [r for r in rows if r["organisation"] == "swiftpost"]
    customs = [r for r in rows if r["organisation"] == "customs-nl"]
    return {
        org: (customs[i] if org == "swiftpost" else carrier[i])
        for i, org in enumerate(organisations)
    }


def _locate(settings: Settings, world: CanaryWorld) -> None:
    """Every lake cell holding a canary; canary shipments and entities of each organisation."""
    lake, engine = Lake(settings), open_engine(settings)
    pattern = world.pattern
    try:
        for dataset in DATASETS:
            lake.register(engine, dataset)
            for row in engine.query(f"SELECT * FROM {dataset}").to_pylist():
                for name, value in row.items():
                    for text in value if isinstance(value, list) else [value]:
                        if not isinstance(text, str):
                            continue
                        for match in pattern.findall(text):
                            canary = _canonical(world, match)
                            world.cells.setdefault(canary, []).append((dataset, name, row))
        lake.register(engine, "entity_mentions")
        rows = engine.query(
            "SELECT DISTINCT p.organisation, em.entity_id FROM parties p "
            "JOIN entity_mentions em ON em.mention_id = p.id WHERE p.source_key LIKE 'kxp%' "
            "ORDER BY 1, 2"
        ).to_pylist()
        for row in rows:
            world.entities.setdefault(row["organisation"], []).append(row["entity_id"])
        rows = engine.query(
            "SELECT p.organisation, em.entity_id FROM parties p "
            "JOIN entity_mentions em ON em.mention_id = p.id WHERE p.source_key LIKE 'kxp%-t'"
        ).to_pylist()
        world.twins = {r["organisation"]: r["entity_id"] for r in rows}
        rows = engine.query(
            "SELECT organisation, id FROM shipments WHERE source_key LIKE 'kxs%' ORDER BY 1, 2"
        ).to_pylist()
        for row in rows:
            world.shipments.setdefault(row["organisation"], []).append(row["id"])
    finally:
        engine.close()


def _canonical(world: CanaryWorld, match: str) -> str:
    folded = match.casefold()
    return next(c for c in world.owner if c.casefold() == folded)
