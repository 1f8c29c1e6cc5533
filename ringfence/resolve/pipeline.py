"""``resolve_parties``: every party mention in the lake becomes a resolved entity.

Steps: read ``parties`` through the engine, clean (prepare.py), train a Splink model on the
engine's backend (model.py), predict, cluster at the match threshold, give clusters stable ids
(ids.py), and replace the lake datasets ``entity_mentions`` and ``entities``. The same code runs
on DuckDB and on Spark; only the Splink database API differs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix, csgraph

from ringfence.errors import EngineError, RingfenceError, UserError
from ringfence.resolve.blocking import with_near_keys
from ringfence.resolve.comparisons import COMMON_WORD_SHARE
from ringfence.resolve.components_sql import components_on_engine
from ringfence.resolve.confirmed import confirmed_links, same_party_links
from ringfence.resolve.driver_training import copy_trained, train_on_driver, untrained_linker
from ringfence.resolve.ids import assign_entity_ids
from ringfence.resolve.model import (
    MATCH_THRESHOLD,
    TF_COLUMNS,
    db_api_for,
    prior_floor,
    prior_from_contacts,
    save_model,
    train,
)
from ringfence.resolve.prepare import (
    common_words,
    hub_values,
    mark_rare_words,
    prepare_mentions,
    source_select,
)
from ringfence.resolve.prior import histogram_sql, logit2, refit_prior
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

Progress = Callable[..., Any]
log = logging.getLogger(__name__)

ENTITY_MENTIONS_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("entity_id", pa.string()),
        ("organisation", pa.string()),
        ("feed", pa.string()),
        ("source_key", pa.string()),
        ("role", pa.string()),
    ]
)

# One row per entity, from entity_mentions joined to the mentions (DuckDB dialect, Spark-safe).
# The most common name wins; ties go to the alphabetically first, so both engines agree.
# The lists are aggregated per entity first and the three "most common" picks joined to that
# (one row per entity), not to every mention: at 1M mentions 19 s instead of 32 s (load ~8).
ENTITIES_SQL = """
WITH m AS (
    SELECT em.entity_id, em.organisation, em.role, p.schema_ AS schema, p.name, p.country,
           p.phone, p.email, p.identifier, p.bank_account,
           CASE WHEN p.street IS NOT NULL AND p.postcode IS NOT NULL
                THEN p.street || ' | ' || p.postcode END AS address
    FROM entity_mentions AS em JOIN parties AS p ON p.id = em.mention_id
),
names AS (
    SELECT entity_id, name, row_number() OVER (
        PARTITION BY entity_id ORDER BY count(*) DESC, name) AS rank
    FROM m WHERE name IS NOT NULL GROUP BY entity_id, name
),
countries AS (
    SELECT entity_id, country, row_number() OVER (
        PARTITION BY entity_id ORDER BY count(*) DESC, country) AS rank
    FROM m WHERE country IS NOT NULL GROUP BY entity_id, country
),
schemas AS (
    SELECT entity_id, schema, row_number() OVER (
        PARTITION BY entity_id ORDER BY count(*) DESC, schema) AS rank
    FROM m GROUP BY entity_id, schema
),
lists AS (
    SELECT entity_id,
           list_sort(list_distinct(list(phone) FILTER (WHERE phone IS NOT NULL))) AS phones,
           list_sort(list_distinct(list(email) FILTER (WHERE email IS NOT NULL))) AS emails,
           list_sort(list_distinct(list(identifier) FILTER (WHERE identifier IS NOT NULL)))
               AS identifiers,
           list_sort(list_distinct(list(bank_account) FILTER (WHERE bank_account IS NOT NULL)))
               AS bank_accounts,
           list_sort(list_distinct(list(address) FILTER (WHERE address IS NOT NULL)))
               AS addresses,
           count(*) AS mention_count,
           list_sort(list_distinct(list(organisation))) AS organisations,
           max(CASE WHEN role = 'watchlist' THEN 1 ELSE 0 END) = 1 AS watchlisted
    FROM m GROUP BY entity_id
)
SELECT g.entity_id, s.schema, n.name, c.country, g.phones, g.emails, g.identifiers,
       g.bank_accounts, g.addresses, g.mention_count, g.organisations, g.watchlisted
FROM lists AS g
LEFT JOIN names AS n ON n.entity_id = g.entity_id AND n.rank = 1
LEFT JOIN countries AS c ON c.entity_id = g.entity_id AND c.rank = 1
LEFT JOIN schemas AS s ON s.entity_id = g.entity_id AND s.rank = 1
ORDER BY g.entity_id
"""


@dataclass
class ResolutionSummary:
    """What a resolution run did."""

    mentions: int
    entities: int
    multi_mention_entities: int
    kept_ids: int
    engine: str
    seconds: float
    model_path: str
    confirmed_links: int = 0
    """Pairs of mentions a partner confirmed (watchlist entry -> banned seller account)."""


def resolve_parties(
    settings: Settings, engine: Engine | None = None, progress: Progress | None = None
) -> ResolutionSummary:
    """Resolve every party mention in the lake into entities; write the two entity datasets."""
    started = time.perf_counter()
    own_engine = engine is None
    engine = engine or open_engine(settings)
    report = progress or (lambda *_args, **_kw: None)
    try:
        lake = Lake(settings)
        if not lake.register(engine, "parties"):
            raise UserError("no party mentions in the lake: ingest some feeds first")
        report("resolve", 0, 5)
        available = engine.query("SELECT * FROM parties LIMIT 0").column_names
        mentions = engine.query(source_select(available=available))
        report("resolve", 1, 5)
        scratch = settings.data_dir / "tmp" / "splink"
        confirmed = confirmed_links(lake, engine, mentions.column("id"))
        same = same_party_links(lake, engine, mentions.column("id"))
        cleaned, common = clean_mentions(mentions)
        clusters, linker, tfs = cluster_mentions(engine, cleaned, scratch, report, confirmed, same)
        model_path = save_model(linker, settings, tfs, hub_values(cleaned), common)
        previous = _previous_assignment(lake, engine)
        report("resolve", 4, 5)
        clusters["entity_id"] = assign_entity_ids(clusters, previous)
        kept = 0 if previous is None else _kept(clusters, previous)
        table = _entity_mentions(mentions, clusters)
        _replace(lake, "entity_mentions", table)
        lake.register(engine, "entity_mentions")
        _replace(lake, "entities", engine.query(ENTITIES_SQL))
        report("resolve", 5, 5)
        sizes = clusters["entity_id"].value_counts(sort=False)
        return ResolutionSummary(
            mentions=len(clusters),
            entities=len(sizes),
            multi_mention_entities=int((sizes > 1).sum()),
            kept_ids=kept,
            engine=engine.name,
            seconds=round(time.perf_counter() - started, 2),
            model_path=str(model_path),
            confirmed_links=len(confirmed),
        )
    finally:
        if own_engine:
            engine.close()


def clean_mentions(mentions: pa.Table) -> tuple[pa.Table, pa.Array]:
    """The matching table of ``mentions`` (prepare.py) with people's rare name words marked,
    and the common words (saved with the model, for compare-parties)."""
    cleaned = prepare_mentions(mentions)
    common = common_words(cleaned, COMMON_WORD_SHARE)
    return mark_rare_words(cleaned, common), common


def cluster_mentions(
    engine: Engine,
    cleaned: pa.Table,
    scratch: Path,
    report: Progress,
    confirmed: pd.DataFrame | None = None,
    same: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Any, dict[str, pa.Table]]:
    """Train, predict and cluster cleaned mentions with Splink on ``engine``'s backend (on
    Spark the model learns on the driver, ``driver_training``, and scores on the executors).

    ``confirmed``: pairs a partner confirmed (confirmed.py); they train m and are must-link
    edges of the clustering, so each confirmed pair ends in one entity whatever the model
    says. ``same``: pairs a source says are one party (``same_as`` links): must-link edges
    only. Returns ``mention_id``/``cluster_id`` pairs, the trained linker (DuckDB's, to be
    saved, whatever the engine) and its tf tables.
    """
    # Splink warns, level by level, about comparison levels no pair in the sample reached
    # ("unable to train m value": a birth date in a file without any); nothing a user can act
    # on, and a screenful of it on every run. Its errors still show.
    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = db_api_for(engine, scratch)
    with splink_failures("preparing the mentions", engine):
        keyed = with_near_keys(cleaned)
        linker = untrained_linker(db_api, keyed, cleaned)
    driver = None
    with splink_failures("training the model", engine):
        if engine.name == "spark":  # learnt on the driver, scored on the executors
            driver = train_on_driver(keyed, cleaned, confirmed)
            copy_trained(driver, linker)
        else:
            train(linker, cleaned, confirmed=confirmed)
    report("resolve", 2, 5)
    musts = [m[["unique_id_l", "unique_id_r"]] for m in (confirmed, same) if m is not None]
    with splink_failures("scoring candidate pairs", engine):
        predictions = linker.inference.predict()
        links_sql = _links_sql(linker, predictions.physical_name, cleaned)
        if engine.name == "spark":  # the predicted links stay on the cluster
            clusters = _components_on_engine(engine, cleaned, links_sql, musts)
        else:
            links = linker.misc.query_sql(links_sql, output_type="pandas")
            links = pd.concat([links, *musts], ignore_index=True)
            clusters = connected_components(cleaned.column("unique_id"), links)
    report("resolve", 3, 5)
    with splink_failures("computing term frequencies", engine):
        tfs = {
            column: pa.Table.from_pandas(
                linker.table_management.compute_tf_table(column).as_pandas_dataframe(),
                preserve_index=False,
            )
            for column in TF_COLUMNS
        }
    if driver is not None:  # the saved model speaks DuckDB's SQL, which compare-parties reads
        copy_trained(linker, driver)  # with the prior as scoring refitted it
        return clusters, driver, tfs
    return clusters, linker, tfs


def _links_sql(linker: Any, predictions: str, cleaned: pa.Table) -> str:
    """SQL of the predicted links: pairs at or above ``MATCH_THRESHOLD``, where the prior came
    from name rules refitted to the scored pairs first (prior.py; the model saves the refit).

    Where shared contacts gave the prior (``model.prior_from_contacts``) it stays: in the
    simulated partner feeds the refit moved it from 1.6e-6 to 7.0e-6 (the truth: 7.1e-6) and
    then linked namesake consumers at one address whose customs records carry no contact —
    the model's weights there were chosen with the lower prior (see docs/resolution.md)."""
    settings = linker._settings_obj
    prior = refitted = settings._probability_two_random_records_match
    if not prior_from_contacts(cleaned):
        histogram = linker.misc.query_sql(histogram_sql(predictions), output_type="pandas")
        refitted = refit_prior(histogram, prior, cleaned.num_rows, prior_floor(cleaned.num_rows))
        settings._probability_two_random_records_match = refitted
        log.info("prior %.3g refitted to %.3g over the scored pairs", prior, refitted)
    # A pair's weight moves by the change in the prior's log-odds; so does the threshold.
    threshold = logit2(MATCH_THRESHOLD) + logit2(prior) - logit2(refitted)
    return f"SELECT unique_id_l, unique_id_r FROM {predictions} WHERE match_weight >= {threshold!r}"


def _components_on_engine(
    engine: Engine, cleaned: pa.Table, links: str, musts: list[pd.DataFrame]
) -> pd.DataFrame:
    """Connected components computed by the engine over the predicted links (``links``, SQL)
    and the must-link pairs (``components_sql``): the edges are never collected to the
    driver."""
    must = pd.concat([*musts, pd.DataFrame(columns=["unique_id_l", "unique_id_r"])])
    engine.register_arrow(
        "must_links",
        pa.table({c: pa.array(must[c].astype(str).tolist(), pa.string()) for c in must.columns}),
    )
    links_sql = f"{links} UNION ALL SELECT unique_id_l, unique_id_r FROM must_links"
    return components_on_engine(engine, cleaned.column("unique_id"), links_sql)


@contextmanager
def splink_failures(step: str, engine: Engine | None = None) -> Iterator[None]:
    """Turn any Splink (or backend) failure during ``step`` into an ``EngineError``.

    Splink raises whatever its backend or arithmetic raised (``ValueError: math domain
    error``, a Py4J error holding a JVM stack trace); the user gets one line naming the step,
    and ``engine`` says why in its own terms (Spark: the setting to change, its log's path).
    """
    try:
        yield
    except RingfenceError:
        raise
    except Exception as exc:
        log.debug("Splink failed while %s", step, exc_info=True)
        text = str(exc).strip()
        why = engine.describe_failure(exc) if engine else (text.splitlines() or [""])[0]
        raise EngineError(f"resolution failed while {step}: {type(exc).__name__}: {why}") from exc


def connected_components(
    mention_ids: pa.ChunkedArray | pa.Array, links: pd.DataFrame
) -> pd.DataFrame:
    """``mention_id``/``cluster_id`` for every mention: the connected components of the links.

    The same clustering as Splink's ``cluster_pairwise_predictions_at_threshold``, in SciPy:
    Splink's iterative SQL took 10-15 s at 1M mentions, this well under one.
    """
    ids = pd.Series(pa.chunked_array([mention_ids]).to_pandas(), dtype=object)
    position = pd.Index(ids)
    left = position.get_indexer(links["unique_id_l"])
    right = position.get_indexer(links["unique_id_r"])
    size = len(ids)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
    _, labels = csgraph.connected_components(graph, directed=False)
    return pd.DataFrame({"mention_id": ids, "cluster_id": labels})


def _previous_assignment(lake: Lake, engine: Engine) -> pd.DataFrame | None:
    if not lake.register(engine, "entity_mentions"):
        return None
    return engine.query("SELECT mention_id, entity_id FROM entity_mentions").to_pandas()


def _kept(clusters: pd.DataFrame, previous: pd.DataFrame) -> int:
    """How many previously known mentions kept their entity id."""
    joined = clusters.merge(previous, on="mention_id", suffixes=("", "_before"))
    return int((joined["entity_id"] == joined["entity_id_before"]).sum())


def _entity_mentions(mentions: pa.Table, clusters: pd.DataFrame) -> pa.Table:
    """One row per mention with its entity, sorted by mention id (Arrow: a pandas merge and
    string sort of a million rows took ten seconds)."""
    ids = pa.table(
        {
            "mention_id": pa.array(clusters["mention_id"], pa.string()),
            "entity_id": pa.array(clusters["entity_id"], pa.string()),
        }
    )
    frame = mentions.select(["id", "organisation", "source_key", "role"])
    frame = frame.rename_columns(["mention_id", "organisation", "source_key", "role"])
    joined = frame.join(ids, "mention_id", join_type="inner")
    joined = joined.append_column("feed", pa.array(["parties"] * joined.num_rows, pa.string()))
    return (
        joined.sort_by("mention_id")
        .select(ENTITY_MENTIONS_SCHEMA.names)
        .cast(ENTITY_MENTIONS_SCHEMA)
    )


def _replace(lake: Lake, dataset: str, table: pa.Table) -> None:
    """Publish ``table`` as the dataset's only part (a derived dataset, rebuilt each run)."""
    old = lake.parts(dataset)
    lake.write_table(dataset, table, "resolve")
    for part in old:
        part.unlink(missing_ok=True)
