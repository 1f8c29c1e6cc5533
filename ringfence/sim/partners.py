"""The IP-crime unit's watchlist and the brand owners' feeds (brands, trademarks, products and
the takedown notices they filed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from ringfence.sim.brands import BRAND_SPECS, trademarks
from ringfence.sim.config import IPCRIME, stream
from ringfence.sim.notices import Complaint, watch_truth
from ringfence.sim.truth import TruthLog
from ringfence.sim.world import World
from ringfence.sim.writers import write_csv, write_jsonl

IPR_WATCHLIST = f"{IPCRIME}/watchlist_export.csv"
COUNTRY_NAMES = {"CN": "China", "HK": "Hong Kong", "NL": "Netherlands", "DE": "Germany",
                 "BE": "Belgium", "PL": "Poland", "MY": "Malaysia", "AE": "United Arab Emirates",
                 "TR": "TR"}
STATUS = {"upheld": "Removed", "rejected": "Refused", "pending": "Open", "withdrawn": "Withdrawn"}
STATUT = {"upheld": "retiré", "rejected": "refusé", "pending": "en cours", "withdrawn": "abandonné"}


def write_ipr_watchlist(out: Path, world: World, truth: TruthLog) -> int:
    """Confirmed counterfeiters from investigations: UTF-8 with BOM, US dates, country names.

    Investigations lag: entries name aliases a ring may since have dropped, and never cover all.
    """
    cfg = world.cfg
    rng = stream(cfg, "ipr-watchlist")
    rows: list[dict[str, str | None]] = []
    keys: list[tuple[str, str, str | None]] = []
    for ring in world.rings:
        if not ring.investigated:
            continue
        case = f"IPRC/{cfg.start.year - int(rng.integers(0, 2))}/{int(rng.integers(100, 999)):04d}"
        for ident in ring.aliases + ring.drops:
            if rng.random() > 0.6:
                continue
            r = ident.render(rng, noisy=True, local_phone=False)
            day = cfg.start + dt.timedelta(days=int(rng.integers(-400, cfg.days)))
            key = f"{len(rows) + 1:05d}"
            rows.append({
                "Entry No": key, "Subject Name": r["name"],
                "Subject Type": "Individual" if ident.schema == "Person" else "Company",
                "Address": r["street"], "City": r["city"], "Postal Code": r["postcode"],
                "Country": COUNTRY_NAMES.get(ident.country, ident.country),
                "Telephone": r["phone"], "E-mail": r["email"] if rng.random() < 0.8 else None,
                "Reg. No": r["identifier"], "Account No": r["bank_account"],
                "Website": r["website"], "Confirmed By": "IPRC investigations",
                "Date Confirmed": day.strftime("%m/%d/%Y"), "Case Ref": case,
                "Brand": BRAND_SPECS[ring.brands[0]].name,
                "Notes": "linked by shared phone/bank to case subjects"})
            keys.append((key, ident.id, ring.id))
    columns = list(rows[0]) if rows else ["Entry No"]
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})
    write_csv(table, out / IPR_WATCHLIST, bom=True)
    watch_truth(truth, IPCRIME, keys)
    return len(rows)


def _owned(org: str) -> list[int]:
    return [b for b, spec in enumerate(BRAND_SPECS) if spec.org == org]


def write_northpeak(out: Path, world: World, complaints: list[Complaint],
                    truth: TruthLog) -> list[tuple[str, str]]:
    """NorthPeak's spreadsheets: CSV, UTF-8, dd/mm/yyyy, ``|`` inside list cells."""
    org, brands = "brand-northpeak", _owned("brand-northpeak")
    files = {k: f"{org}/{k}.csv" for k in ("brands", "trademarks", "products", "takedowns")}
    write_csv(pa.table({
        "Brand": [BRAND_SPECS[b].name for b in brands],
        "Owner": [BRAND_SPECS[b].owner for b in brands],
        "Also Known As": ["|".join(_aka(b)) for b in brands],
        "Country": [BRAND_SPECS[b].country for b in brands]}), out / files["brands"])
    marks = [(b, m) for b in brands for m in trademarks(b)]
    write_csv(pa.table({
        "Reg No": [m["number"] for _, m in marks], "Office": [m["office"] for _, m in marks],
        "Mark": [m["mark"] for _, m in marks], "Brand": [BRAND_SPECS[b].name for b, _ in marks],
        "Classes": ["|".join(m["classes"]) for _, m in marks]}),  # type: ignore[arg-type]
        out / files["trademarks"])
    prods = [p for p in world.products if p.brand in brands]
    write_csv(pa.table({
        "Article": [p.id for p in prods], "Brand": [BRAND_SPECS[p.brand].name for p in prods],
        "Product": [p.name for p in prods], "GTIN": [p.gtin for p in prods],
        "HS": [p.hs_code for p in prods], "RRP from": [p.price_min for p in prods],
        "RRP to": [p.price_max for p in prods], "Cur": ["EUR"] * len(prods),
        "Authorised Sellers": ["|".join(p.authorised_sellers) for p in prods],
        "Made In": ["|".join(p.made_in) for p in prods]}), out / files["products"])
    mine = [c for c in complaints if c.brand in brands]
    refs = [f"NP-TD-{c.filed.year}-{i + 1:04d}" for i, c in enumerate(mine)]
    write_csv(pa.table({
        "Case Ref": refs, "Listing ID": [c.listing.id for c in mine],
        "Listing URL": [f"https://bazaar.example/item/{c.listing.id}" for c in mine],
        "Brand": [BRAND_SPECS[c.brand].name for c in mine],
        "Date Filed": [c.filed.strftime("%d/%m/%Y") for c in mine],
        "Reason": [c.reason for c in mine], "Status": [STATUS[c.decision] for c in mine],
        "Closed": pa.array([c.decided.strftime("%d/%m/%Y") if c.decided else None
                            for c in mine], pa.string())}), out / files["takedowns"])
    _complaint_truth(truth, org, refs, mine)
    return [(k, v) for k, v in files.items()]


def write_lumina(out: Path, world: World, complaints: list[Complaint],
                 truth: TruthLog) -> list[tuple[str, str]]:
    """Lumina's exports: JSON lines, UTF-8, French keys, ISO dates, ``;`` inside list values."""
    org, brands = "brand-lumina", _owned("brand-lumina")
    files = {k: f"{org}/{k}.jsonl" for k in ("marques", "depots", "produits", "signalements")}
    write_jsonl(pa.table({
        "marque": [BRAND_SPECS[b].name for b in brands],
        "titulaire": [BRAND_SPECS[b].owner for b in brands],
        "variantes": [";".join(_aka(b)) for b in brands],
        "pays": [BRAND_SPECS[b].country for b in brands]}), out / files["marques"], compress=False)
    marks = [(b, m) for b in brands for m in trademarks(b)]
    write_jsonl(pa.table({
        "numero": [m["number"] for _, m in marks], "office": [m["office"] for _, m in marks],
        "texte": [m["mark"] for _, m in marks], "marque": [BRAND_SPECS[b].name for b, _ in marks],
        "classes": [";".join(m["classes"]) for _, m in marks]}),  # type: ignore[arg-type]
        out / files["depots"], compress=False)
    prods = [p for p in world.products if p.brand in brands]
    write_jsonl(pa.table({
        "reference": [p.id for p in prods], "marque": [BRAND_SPECS[p.brand].name for p in prods],
        "designation": [p.name for p in prods], "ean": [p.gtin for p in prods],
        "nomenclature": [p.hs_code for p in prods], "prix_min": [p.price_min for p in prods],
        "prix_max": [p.price_max for p in prods], "devise": ["EUR"] * len(prods),
        "vendeurs_agrees": [";".join(p.authorised_sellers) for p in prods],
        "fabrication": [";".join(p.made_in) for p in prods]}), out / files["produits"],
        compress=False)
    mine = [c for c in complaints if c.brand in brands]
    refs = [f"LUM-{i + 1:05d}" for i in range(len(mine))]
    write_jsonl(pa.table({
        "reference": refs, "annonce": [c.listing.id for c in mine],
        "marque": [BRAND_SPECS[c.brand].name for c in mine],
        "date_depot": [c.filed.isoformat() for c in mine], "motif": [c.reason for c in mine],
        "statut": [STATUT[c.decision] for c in mine],
        "date_cloture": pa.array([c.decided.isoformat() if c.decided else None for c in mine],
                                 pa.string())}), out / files["signalements"], compress=False)
    _complaint_truth(truth, org, refs, mine)
    return [(k, v) for k, v in files.items()]


def _aka(brand: int) -> list[str]:
    name = BRAND_SPECS[brand].name
    return sorted({name.upper(), name.replace(" ", ""), name.replace(" ", "-")} - {name})


def _complaint_truth(truth: TruthLog, org: str, refs: list[str], mine: list[Complaint]) -> None:
    truth.add("complaints", pa.table({
        "organisation": pa.array([org] * len(mine), pa.string()),
        "source_key": pa.array(refs, pa.string()),
        "notice_id": pa.array([c.id for c in mine], pa.string()),
        "listing_id": pa.array([c.listing.id for c in mine], pa.string()),
        "brand": pa.array([BRAND_SPECS[c.brand].name for c in mine], pa.string()),
        "bad_faith": pa.array([c.bad_faith for c in mine], pa.bool_()),
        "listing_counterfeit": pa.array([c.listing.counterfeit for c in mine], pa.bool_()),
        "decision": pa.array([c.decision for c in mine], pa.string()),
    }))

